/**
 * Packet header views ("flyweights") and the Internet checksum.
 *
 * <p>A view is a reusable object that is pointed at a frame already sitting in a buffer with
 * {@code wrap(buffer, offset, length)}. {@code wrap} performs the only length check: it returns
 * {@code false} when the region is too short for the header (or the header claims to be longer
 * than the region), and after it has returned {@code true} no accessor reads or writes outside
 * {@code [offset, offset + length)}. Accessors never allocate, so one instance per stage can be
 * reused for every packet.
 *
 * <p>All multi-byte fields are big-endian (network order; the one exception is the virtio-net header
 * a TAP puts in front of a frame, {@link VirtioNetHeaderView}, in the host's order). 16-bit and 8-bit fields are returned as
 * non-negative {@code int}s. MAC addresses travel as the low 48 bits of a {@code long}, IPv4
 * addresses as an {@code int} whose value is the address in network order (192.0.2.1 is
 * {@code 0xC0000201}).
 */
package net.taprouter.dataplane.wire;
