package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class VlanViewTest {
    private final VlanView view = new VlanView();

    @Test
    void readsTheGoldenTag() {
        UnsafeBuffer buffer = Frames.buffer(Frames.VLAN10_ECHO_REQUEST);
        assertTrue(view.wrap(buffer, 0, buffer.capacity()));
        assertEquals(10, view.vid());
        assertEquals(5, view.pcp());
        assertFalse(view.dei());
        assertEquals(EthernetView.ETHERTYPE_IPV4, view.innerEtherType());
    }

    @Test
    void refusesUntaggedAndShortFrames() {
        UnsafeBuffer untagged = Frames.buffer(Frames.UNTAGGED_ECHO_REQUEST);
        assertFalse(view.wrap(untagged, 0, untagged.capacity()));
        UnsafeBuffer tagged = Frames.buffer(Frames.VLAN10_ECHO_REQUEST);
        assertFalse(view.wrap(tagged, 0, VlanView.HEADER_LENGTH - 1));
        assertFalse(view.wrap(tagged, 1, tagged.capacity()));
    }

    @Test
    void popGivesTheUntaggedGoldenFrame() {
        UnsafeBuffer buffer = Frames.buffer(Frames.VLAN10_ECHO_REQUEST);
        int at = VlanView.pop(buffer, 0);
        assertEquals(4, at);
        assertEquals(Frames.UNTAGGED_ECHO_REQUEST, Frames.hex(buffer, at, buffer.capacity() - at));
    }

    @Test
    void pushIntoHeadroomGivesTheTaggedGoldenFrame() {
        byte[] untagged = Frames.bytes(Frames.UNTAGGED_ECHO_REQUEST);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[untagged.length + 8]);
        buffer.putBytes(8, untagged);
        int at = VlanView.push(buffer, 8, 10, 5);
        assertEquals(4, at);
        assertEquals(Frames.VLAN10_ECHO_REQUEST, Frames.hex(buffer, at, untagged.length + 4));
        assertEquals("00000000", Frames.hex(buffer, 0, 4), "nothing written in front of the new frame");
    }

    @Test
    void setsTheTagControlField() {
        UnsafeBuffer buffer = Frames.buffer(Frames.VLAN10_ECHO_REQUEST);
        assertTrue(view.wrap(buffer, 0, buffer.capacity()));
        view.tci(7, true, 4094);
        assertEquals(4094, view.vid());
        assertEquals(7, view.pcp());
        assertTrue(view.dei());
        assertEquals("fffe", Frames.hex(buffer, 14, 2));
    }
}
