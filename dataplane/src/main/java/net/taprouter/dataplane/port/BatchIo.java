package net.taprouter.dataplane.port;

/**
 * Who moves a worker's batches of frames through its ports' devices: {@link #DIRECT}, the device
 * itself ({@link FrameIo#read(FrameBatch)}, {@link FrameIo#write(FrameBatch)}: for a TAP one
 * system call per frame), or the worker's io_uring ({@code io.UringPortIo}: one system call per
 * batch). Same contract as those two methods (synchronous: when a call returns, the device is
 * done with every entry's memory). Called by the worker's thread only.
 */
public interface BatchIo {
    /** See {@link FrameIo#read(FrameBatch)}. */
    int read(FrameIo device, FrameBatch batch);

    /** See {@link FrameIo#write(FrameBatch)}. */
    int write(FrameIo device, FrameBatch batch);

    /** Each device's own batch calls. */
    BatchIo DIRECT = new BatchIo() {
        @Override
        public int read(FrameIo device, FrameBatch batch) {
            return device.read(batch);
        }

        @Override
        public int write(FrameIo device, FrameBatch batch) {
            return device.write(batch);
        }
    };
}
