/** JMH benchmarks. */
package net.taprouter.bench;
