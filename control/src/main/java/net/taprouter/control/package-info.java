/** routerd: command grammar, control socket, daemon start-up; routerctl client. */
package net.taprouter.control;
