package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.PacketMetadata;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.wire.Ipv4View;
import org.junit.jupiter.api.Test;

/**
 * {@link Packet#save}/{@link Packet#load}: every field of the register survives a trip through its
 * slot's {@link PacketMetadata}, found by reflection, so a field added to Packet without its
 * metadata word fails here.
 */
class PacketTest {
    private final FramePool pool = new FramePool(4, 2048);

    /**
     * Packet's per-packet fields: instance, not final (the views are final and rewrapped by load),
     * not transient (a cache for the run that is not saved; load clears it).
     */
    private static List<Field> fields() {
        List<Field> fields = new ArrayList<>();
        for (Field f : Packet.class.getDeclaredFields()) {
            int modifiers = f.getModifiers();
            if (!Modifier.isStatic(modifiers) && !Modifier.isFinal(modifiers) && !Modifier.isTransient(modifiers)) {
                f.setAccessible(true);
                fields.add(f);
            }
        }
        return fields;
    }

    /** Gives every field a value of its own (ints from {@code seed} up; booleans {@code flag}); slot, offset, length valid. */
    private Packet filled(int slot, int seed, boolean flag) throws IllegalAccessException {
        Packet p = new Packet();
        int value = seed;
        for (Field f : fields()) {
            if (f.getType() == int.class) {
                f.setInt(p, value++);
            } else if (f.getType() == boolean.class) {
                f.setBoolean(p, flag);
            } else if (f.getType() == long.class) {
                f.setLong(p, 0x1_0000_0000L + value++);
            } else {
                fail("Packet." + f.getName() + " is a " + f.getType() + ": teach this test (and save/load) that type");
            }
        }
        p.slot = slot;
        p.frameOffset = pool.frameOffset(slot) - seed % 64; // as an ICMP error moves it into the headroom
        p.frameLength = 14 + 20 + seed % 100;
        return p;
    }

    private static void assertSameFields(Packet expected, Packet actual) throws IllegalAccessException {
        for (Field f : fields()) {
            assertEquals(f.get(expected), f.get(actual), "Packet." + f.getName() + " after save and load");
        }
    }

    @Test
    void everyFieldSurvivesSaveAndLoadAndSlotsDoNotOverlap() throws IllegalAccessException {
        assertTrue(Packet.WORDS <= PacketMetadata.WORDS_PER_SLOT, "Packet uses more metadata words than a slot has");
        for (boolean flag : new boolean[] {true, false}) {
            Packet two = filled(2, 1000, flag);
            Packet three = filled(3, 2000, !flag);
            two.save(pool.metadata());
            three.save(pool.metadata());
            Packet loaded = new Packet();
            loaded.load(pool.metadata(), 2, pool.buffer());
            assertSameFields(two, loaded);
            loaded.load(pool.metadata(), 3, pool.buffer());
            assertSameFields(three, loaded);
        }
    }

    @Test
    void loadClearsTheTransientFields() throws IllegalAccessException {
        Packet saved = filled(2, 1000, true);
        saved.save(pool.metadata());
        Packet loaded = new Packet();
        Interface cached = Interface.bridge(7, "br7", 0x02_00_00_00_00_07L, 1500);
        List<Field> transients = new ArrayList<>();
        for (Field f : Packet.class.getDeclaredFields()) {
            if (Modifier.isTransient(f.getModifiers())) {
                f.setAccessible(true);
                assertEquals(Interface.class, f.getType(), "Packet." + f.getName() + ": teach this test that type");
                f.set(loaded, cached); // what an earlier packet left
                transients.add(f);
            }
        }
        assertTrue(!transients.isEmpty(), "Packet has no transient field any more: drop this test");
        loaded.load(pool.metadata(), 2, pool.buffer());
        for (Field f : transients) {
            assertEquals(null, f.get(loaded), "Packet." + f.getName() + " after load");
        }
    }

    @Test
    void loadWrapsTheViewsOverTheFrame() throws IllegalAccessException {
        Packet p = filled(1, 0, false);
        p.frameOffset = pool.frameOffset(1);
        byte[] frame = Wire.ipv4("192.0.2.1", "198.51.100.1").udp(1, 2, new byte[8]).frame(1, 2);
        p.frameLength = frame.length;
        pool.buffer().putBytes(p.frameOffset, frame);
        p.save(pool.metadata());

        Packet loaded = new Packet();
        loaded.load(pool.metadata(), 1, pool.buffer());
        assertEquals(p.frameOffset, loaded.ethernet.offset());
        assertEquals(p.ipOffset(), loaded.ip.offset());
        assertEquals(frame.length - 14, loaded.ip.length());
        assertEquals(Wire.ip("198.51.100.1"), loaded.ip.destination());
        assertEquals(Ipv4View.PROTO_UDP, loaded.ip.protocol());
    }
}
