package net.taprouter.dataplane.port;

import java.io.IOException;

/**
 * Frame input/output of a port's device: a {@link net.taprouter.dataplane.tap.TapDevice} in
 * routerd, an in-memory device in benchmarks and the stage-graph tests, {@link AbsentDevice} for a
 * port whose TAP could not be made.
 *
 * <p><b>Status codes, not exceptions.</b> {@link #read} and {@link #write} return a length
 * ({@code > 0}) or one of {@link #WOULD_BLOCK}, {@link #FAILED}, {@link #GONE}; they neither throw
 * nor allocate on the data path, failures included. The errno of the last failure is kept
 * ({@link #lastErrno}) and {@link #lastFailure} turns it into one line for a log: callers print
 * it once (a port going down), never per frame.
 *
 * <p><b>Batches.</b> {@link #read(FrameBatch)} reads up to {@code count} frames into the batch's
 * entries (one free slot each), {@link #write(FrameBatch)} writes every entry; one call per batch
 * lets a device make one system call for many frames (io_uring: one submission of N reads or
 * writes, then their completions). The calls are synchronous: when one returns, the device is done
 * with every entry's memory (read frames are complete; written slots can be reused at once). The
 * defaults here loop over the single-frame calls (a TAP today: one read(2)/write(2) per frame).
 * Entries carry their own address and capacity, so a batch may mix slot sizes.
 *
 * <p><b>Headroom.</b> A device may need {@link #headroom()} bytes in front of each frame's
 * Ethernet header for a per-frame header of its own (the virtio-net header of a TAP opened with
 * IFF_VNET_HDR). Every address handed to read or write must have that many writable bytes in
 * front of it: frame pool slots do (their headroom is at least
 * {@link net.taprouter.dataplane.buffer.FramePool#MAX_DEVICE_HEADROOM} larger than what stages
 * prepend), and so must any other buffer a frame is sent from. On read the device puts its header
 * there; on write it sends the bytes found there as the header (the graph fills them); lengths
 * never count it.
 */
public interface FrameIo extends AutoCloseable {
    /** Nothing to read, or the device cannot take a frame now (EAGAIN): try again later. */
    int WOULD_BLOCK = -1;
    /** This frame failed but the device stays usable (e.g. EIO: the host has not brought its side up). */
    int FAILED = -2;
    /** The device is gone (its namespace was deleted, the fd closed): the port is dead. */
    int GONE = -3;

    /** File descriptor to poll for readability, or -1 if there is none. */
    int fd();

    /** Name of the device (the TAP's interface name). */
    String ifname();

    /**
     * Bytes this device uses in front of each frame; 0 for a plain TAP. A device with 10 or more
     * takes a virtio-net header there (its first 10 bytes, zeros after): on read it describes the
     * frame (partial checksum, GSO super-packet), on write the graph fills it
     * ({@code pipeline.TransmitStage}), and frames with a partial checksum or GSO super-packets may
     * be written to it whole.
     */
    default int headroom() {
        return 0;
    }

    /**
     * The TUN_F_* offload flags the device accepted ({@code TapDevice.TUN_F_CSUM}, {@code _TSO4},
     * {@code _TSO6}, {@code _USO4}, {@code _USO6}): what its reads may deliver (partial checksums,
     * super-packets of up to 64 KiB). 0 for a device without offloads.
     */
    default int offloads() {
        return 0;
    }

    /** TSO4|TSO6|USO4|USO6: flags with which a read may deliver a GSO super-packet (up to 64 KiB). */
    int GSO_OFFLOADS = 0x02 | 0x04 | 0x20 | 0x40;

    /**
     * Reads one frame into {@code [address, address + capacity)} (its header, if any, in the
     * {@link #headroom()} bytes before). Returns the frame length, or {@link #WOULD_BLOCK} if none
     * is ready, {@link #FAILED}, {@link #GONE}. A returned length equal to {@code capacity} may be a
     * truncated frame.
     */
    int read(long address, int capacity);

    /**
     * Writes the frame {@code [address, address + length)} (preceded by its {@link #headroom()}
     * header bytes). Returns {@code length} if it went out, or {@link #WOULD_BLOCK} if the device
     * cannot take it now, {@link #FAILED} (this frame, e.g. EIO or a frame too short), {@link #GONE}.
     */
    int write(long address, int length);

    /**
     * Reads up to {@code batch.count()} frames, one per entry (the entry's length is its capacity).
     * Returns n, the frames read: entries {@code 0..n-1} hold them, {@code result(i)} their
     * lengths; the other entries were not used. A device may reorder entries (tags travel with
     * them). {@link FrameBatch#status()} tells why fewer than {@code count} were read:
     * {@link #WOULD_BLOCK} (drained), {@link #FAILED} or {@link #GONE}; 0 if every entry was
     * filled.
     */
    default int read(FrameBatch batch) {
        int count = batch.count();
        int n = 0;
        int status = 0;
        while (n < count) {
            int result = read(batch.address(n), batch.length(n));
            batch.result(n, result);
            if (result < 0) {
                status = result;
                break;
            }
            n++;
        }
        batch.status(status);
        return n;
    }

    /**
     * Writes every entry of {@code batch}, in order. Returns how many went out; each entry's
     * {@code result(i)} is its length or its status. After {@link #WOULD_BLOCK} or {@link #GONE}
     * the rest of the batch is not tried (each gets that status); after {@link #FAILED} the next
     * frames are. {@link FrameBatch#status()} is the last failure's status, 0 if none.
     */
    default int write(FrameBatch batch) {
        int count = batch.count();
        int sent = 0;
        int status = 0;
        for (int i = 0; i < count; i++) {
            if (status == WOULD_BLOCK || status == GONE) {
                batch.result(i, status);
                continue;
            }
            int result = write(batch.address(i), batch.length(i));
            batch.result(i, result);
            if (result >= 0) {
                sent++;
            } else {
                status = result;
            }
        }
        batch.status(status);
        return sent;
    }

    /** The errno of the last failed read or write (a positive errno; 0 if none is known). */
    int lastErrno();

    /**
     * One line on the last failure, for a log (e.g. {@code TAP "ns1-veth0" in namespace "ns1" is
     * gone (write: EBADFD ...)}). Builds a String: call it when logging, not per frame.
     */
    String lastFailure();

    /** Sets the link carrier the other side sees (no-op where there is none). Control thread. */
    default void carrier(boolean on) throws IOException {
    }

    @Override
    void close();
}
