/** The forwarding path: frame views, TAP ports, stage graph, tables and agents. */
package net.taprouter.dataplane;
