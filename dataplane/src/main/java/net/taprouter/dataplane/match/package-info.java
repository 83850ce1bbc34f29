/**
 * Frame filters the observability commands share: {@link net.taprouter.dataplane.match.FrameMatch}
 * ({@code trace add ... match}, {@code capture ... match}), parsed on the control thread and
 * evaluated on a worker's thread without allocation.
 */
package net.taprouter.dataplane.match;
