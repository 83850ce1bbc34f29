package net.taprouter.dataplane.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ArpViewTest {
    private static final long HOST_MAC = MacAddress.parse("00:00:5e:00:53:01");
    private static final long GATEWAY_MAC = MacAddress.parse("00:00:5e:00:53:fe");
    private static final int HOST_IP = Ipv4Address.parse("192.0.2.1");
    private static final int GATEWAY_IP = Ipv4Address.parse("192.0.2.254");

    private final ArpView view = new ArpView();

    @Test
    void deconstructsWhoHasRequest() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ARP_REQUEST);
        assertTrue(view.wrap(buffer, 14, 28));
        assertEquals(14, view.offset());
        assertEquals(28, view.length());
        assertEquals(1, view.hardwareType());
        assertEquals(0x0800, view.protocolType());
        assertEquals(6, view.hardwareLength());
        assertEquals(4, view.protocolLength());
        assertTrue(view.isEthernetIpv4());
        assertEquals(ArpView.OP_REQUEST, view.operation());
        assertEquals(HOST_MAC, view.senderMac());
        assertEquals(HOST_IP, view.senderIp());
        assertEquals(0L, view.targetMac());
        assertEquals(GATEWAY_IP, view.targetIp());
    }

    @Test
    void buildConstructsTheGoldenRequest() {
        UnsafeBuffer golden = Frames.buffer(Frames.ARP_REQUEST);
        UnsafeBuffer built = Frames.zeroed(Frames.ARP_REQUEST);
        EthernetView ethernet = new EthernetView();
        assertTrue(ethernet.wrap(built, 0, built.capacity()));
        ethernet.destination(MacAddress.BROADCAST);
        ethernet.source(HOST_MAC);
        ethernet.etherType(EthernetView.ETHERTYPE_ARP);
        assertTrue(view.wrap(built, ethernet.payloadOffset(), ethernet.payloadLength()));
        view.build(ArpView.OP_REQUEST, HOST_MAC, HOST_IP, 0L, GATEWAY_IP);
        assertEquals(Frames.hex(golden), Frames.hex(built));
    }

    @Test
    void buildOverwritesEveryByte() {
        UnsafeBuffer built = new UnsafeBuffer(new byte[28]);
        built.setMemory(0, 28, (byte) 0xEE);
        assertTrue(view.wrap(built, 0, 28));
        view.build(ArpView.OP_REQUEST, HOST_MAC, HOST_IP, 0L, GATEWAY_IP);
        assertEquals(Frames.ARP_REQUEST.substring(28), Frames.hex(built));
    }

    @Test
    void settersTurnTheRequestIntoAReply() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ARP_REQUEST);
        assertTrue(view.wrap(buffer, 14, 28));
        view.operation(ArpView.OP_REPLY);
        view.targetMac(view.senderMac());
        view.targetIp(view.senderIp());
        view.senderMac(GATEWAY_MAC);
        view.senderIp(GATEWAY_IP);
        assertEquals("0001" + "0800" + "06" + "04" + "0002" + "00005e0053fe" + "c00002fe" + "00005e005301" + "c0000201",
                Frames.hex(buffer, 14, 28));

        UnsafeBuffer built = new UnsafeBuffer(new byte[28]);
        ArpView reply = new ArpView();
        assertTrue(reply.wrap(built, 0, 28));
        reply.build(ArpView.OP_REPLY, GATEWAY_MAC, GATEWAY_IP, HOST_MAC, HOST_IP);
        assertEquals(Frames.hex(buffer, 14, 28), Frames.hex(built));
    }

    @Test
    void recognisesOtherHardwareAndProtocols() {
        String body = Frames.ARP_REQUEST.substring(28);
        String[] others = {
            "0006" + body.substring(4),                         // IEEE 802 hardware
            body.substring(0, 4) + "86dd" + body.substring(8),  // protocol IPv6
            body.substring(0, 8) + "08" + body.substring(10),   // hardware length 8
            body.substring(0, 10) + "10" + body.substring(12),  // protocol length 16
        };
        for (String other : others) {
            UnsafeBuffer buffer = Frames.buffer(other);
            assertTrue(view.wrap(buffer, 0, 28));
            assertFalse(view.isEthernetIpv4(), other);
        }
    }

    @Test
    void rejectsTruncatedPackets() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ARP_REQUEST);
        for (int length = 0; length < ArpView.LENGTH; length++) {
            assertFalse(view.wrap(buffer, 14, length), "length " + length);
        }
        assertFalse(view.wrap(buffer, 15, 28));
    }

    @Test
    void ignoresEthernetPadding() {
        UnsafeBuffer buffer = Frames.buffer(Frames.ARP_REQUEST, 0, 18);
        buffer.setMemory(42, 18, (byte) 0);
        assertTrue(view.wrap(buffer, 14, 46));
        assertEquals(46, view.length());
        assertTrue(view.isEthernetIpv4());
        assertEquals(ArpView.OP_REQUEST, view.operation());
        assertEquals(HOST_MAC, view.senderMac());
        assertEquals(HOST_IP, view.senderIp());
        assertEquals(0L, view.targetMac());
        assertEquals(GATEWAY_IP, view.targetIp());
    }
}
