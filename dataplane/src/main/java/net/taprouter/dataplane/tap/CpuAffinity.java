package net.taprouter.dataplane.tap;

import com.sun.jna.LastErrorException;

/** Pins the calling thread to one CPU (sched_setaffinity(2) through JNA). */
public final class CpuAffinity {
    private CpuAffinity() {
    }

    /**
     * Pins the calling thread to {@code cpu}. Throws IllegalArgumentException with a one-line
     * message if the kernel refuses (EINVAL: no such CPU online, or outside the cpuset).
     */
    public static void pinCurrentThread(int cpu) {
        if (cpu < 0 || cpu >= 1024) {
            throw new IllegalArgumentException("CPU " + cpu + " out of range 0..1023");
        }
        byte[] mask = new byte[128]; // cpu_set_t: 1024 bits
        mask[cpu >> 3] = (byte) (1 << (cpu & 7));
        try {
            LibC.sched_setaffinity(0, mask.length, mask);
        } catch (LastErrorException e) {
            throw new IllegalArgumentException("cannot pin thread to CPU " + cpu + ": " + LibC.describe(e.getErrorCode()));
        }
    }
}
