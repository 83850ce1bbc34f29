package net.taprouter.dataplane.io;

import net.taprouter.dataplane.port.FrameBatch;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.tap.Poller;

/**
 * The epoll engine: a level-triggered {@link Poller} for readiness and idling, each device's own
 * batch calls for frames (a TAP: one read(2)/write(2) per frame).
 */
public final class EpollPortIo implements PortIo {
    private final Poller poller;

    public EpollPortIo(Poller poller) {
        this.poller = poller;
    }

    @Override
    public void add(int fd, int token) {
        poller.add(fd, token);
    }

    @Override
    public void addPaused(int fd, int token) {
        poller.addPaused(fd, token);
    }

    @Override
    public void resume(int fd, int token) {
        poller.resume(fd, token);
    }

    @Override
    public boolean pauseReads(int fd, int token) {
        return poller.pauseReads(fd, token);
    }

    @Override
    public boolean resumeReads(int fd, int token) {
        return poller.resumeReads(fd, token);
    }

    @Override
    public void remove(int fd) {
        poller.remove(fd);
    }

    @Override
    public void wakeup() {
        poller.wakeup();
    }

    @Override
    public int poll(int timeoutMillis) {
        return poller.poll(timeoutMillis);
    }

    @Override
    public int readyToken(int i) {
        return poller.readyToken(i);
    }

    @Override
    public int read(FrameIo device, FrameBatch batch) {
        return device.read(batch);
    }

    @Override
    public int write(FrameIo device, FrameBatch batch) {
        return device.write(batch);
    }

    @Override
    public IoMode mode() {
        return IoMode.EPOLL;
    }

    @Override
    public void close() {
        poller.close();
    }
}
