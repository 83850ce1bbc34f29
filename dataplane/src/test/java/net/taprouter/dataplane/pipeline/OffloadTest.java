package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.PacketMetadata;
import net.taprouter.dataplane.wire.VirtioNetHeaderView;
import org.junit.jupiter.api.Test;

/**
 * {@link Offload}: every field survives a packet's trip through its slot's metadata (found by
 * reflection, as PacketTest does for Packet's own fields), its words stay inside a slot's and
 * after Packet's own, and what the RX side parses from a virtio-net header.
 */
class OffloadTest {
    private final FramePool pool = new FramePool(4, 2048, 1);
    private final VirtioNetHeaderView view = new VirtioNetHeaderView();

    @Test
    void everyFieldSurvivesSaveAndLoad() throws IllegalAccessException {
        Packet p = new Packet();
        p.reset(4, pool.frameOffset(4), 60, 1); // the large slot
        Offload o = p.offload;
        int[] values = {0x01, 0x81, 65_535, 65_000, 65_535, 54};
        int i = 0;
        for (Field f : Offload.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                f.setInt(o, values[i++]);
            }
        }
        assertEquals(values.length, i, "a field was added to Offload: give it a value here and a word in save/load");
        p.save(pool.metadata());
        Packet q = new Packet();
        q.load(pool.metadata(), 4, pool.buffer());
        for (Field f : Offload.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                assertEquals(f.getInt(o), f.getInt(q.offload), "Offload." + f.getName() + " after save and load");
            }
        }
        q.reset(4, pool.frameOffset(4), 60, 1);
        assertFalse(q.offload.any(), "reset clears it");
    }

    @Test
    void itsWordsFitASlotAfterPacketsOwn() {
        assertTrue(Offload.FIRST_WORD >= Packet.WORDS, "overlaps Packet's words");
        assertTrue(Offload.FIRST_WORD > Packet.FLOOD_RESULT, "overlaps the flood words");
        assertTrue(Offload.FIRST_WORD + Offload.WORDS <= PacketMetadata.WORDS_PER_SLOT);
    }

    private int[] receive(String header, int etherType, int headroom) {
        int at = pool.frameOffset(0);
        byte[] h = new byte[10];
        for (int k = 0; k < 10; k++) {
            h[k] = (byte) Integer.parseInt(header.substring(2 * k, 2 * k + 2), 16);
        }
        pool.buffer().putBytes(at - 10, h);
        pool.buffer().putShort(at + 12, (short) etherType, java.nio.ByteOrder.BIG_ENDIAN);
        int[] words = pool.metadata().words();
        Offload.receive(words, PacketMetadata.base(0), pool.buffer(), at, 100, headroom, view);
        Offload o = new Offload();
        o.load(words, PacketMetadata.base(0));
        return new int[] {o.flags, o.gsoType, o.gsoSize, o.checksumStart, o.checksumOffset, o.headerLength};
    }

    @Test
    void theRxSideKeepsWhatARouterNeedsFromTheHeader() {
        assertEquals("[1, 129, 1000, 34, 16, 0]", java.util.Arrays.toString(receive("01814200e80322001000", 0x0800, 10)),
            "NEEDS_CSUM, TCPV4|ECN, gso_size, checksum position; hdr_len is not taken (GsoInputStage counts it)");
        assertEquals("[1, 0, 0, 34, 6, 0]", java.util.Arrays.toString(receive("03000000e80322000600", 0x0800, 10)),
            "DATA_VALID dropped; no gso_size without GSO");
        assertEquals("[0, 0, 0, 0, 0, 0]", java.util.Arrays.toString(receive("00000000000022001000", 0x0800, 10)),
            "no checksum position without NEEDS_CSUM");
        assertEquals("[0, 0, 0, 0, 0, 0]", java.util.Arrays.toString(receive("01814200e80322001000", 0x0806, 10)),
            "not IPv4: the header is ignored");
        assertEquals("[0, 0, 0, 0, 0, 0]", java.util.Arrays.toString(receive("01814200e80322001000", 0x0800, 0)),
            "a device without a header");
    }
}
