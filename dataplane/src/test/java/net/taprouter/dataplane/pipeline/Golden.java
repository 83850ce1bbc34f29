package net.taprouter.dataplane.pipeline;

/**
 * Golden frames for the stage graph tests, as hex, Ethernet header first. Every one was built
 * with scapy 2.5 (which computed all lengths and checksums); the scapy expression is above each.
 * Names used in the expressions:
 *
 * <pre>
 *  A  = 192.0.2.1     00:00:5e:00:53:01   host on port 0 (tap0, 00:00:5e:00:53:12, 192.0.2.254/24)
 *  B  = 198.51.100.1  00:00:5e:00:53:02   host on port 1 (tap1, 00:00:5e:00:53:21, 198.51.100.254/24)
 *  GW = 198.51.100.2  00:00:5e:00:53:03   gateway on port 1 for 203.0.113.0/24
 *  P0, P1 = the port MACs; R0 = 192.0.2.254, R1 = 198.51.100.254
 *  ECHO_DATA = b"taprouter echo payload 0123456789"
 *  UDP_DATA  = b"forward me, please: 0123456789abcdef"
 *  pattern(n, seed) = bytes((i * 7 + seed) &amp; 0xff for i in range(n))   (= Wire.pattern)
 * </pre>
 *
 * ICMP errors quote an IPv4 packet; the quote is written as the IP part of the frame it comes
 * from ({@code X.substring(2 * 14)}), which is byte for byte what scapy put after the ICMP header.
 */
final class Golden {
    private Golden() {
    }

    /** Hex characters of an Ethernet header: the IP packet of a frame starts here. */
    static final int IP = 2 * 14;

    // Ether(dst="ff:ff:ff:ff:ff:ff", src=A_MAC)/ARP(op=1, hwsrc=A_MAC, psrc=A, hwdst="00:00:00:00:00:00", pdst=R0)
    static final String ARP_REQUEST_FROM_A = "ffffffffffff" + "00005e005301" + "0806"
            + "0001" + "0800" + "06" + "04" + "0001"
            + "00005e005301" + "c0000201"
            + "000000000000" + "c00002fe";

    // Ether(dst=A_MAC, src=P0)/ARP(op=2, hwsrc=P0, psrc=R0, hwdst=A_MAC, pdst=A)
    static final String ARP_REPLY_TO_A = "00005e005301" + "00005e005312" + "0806"
            + "0001" + "0800" + "06" + "04" + "0002"
            + "00005e005312" + "c00002fe"
            + "00005e005301" + "c0000201";

    // Ether(dst="ff:ff:ff:ff:ff:ff", src=P1)/ARP(op=1, hwsrc=P1, psrc=R1, hwdst="00:00:00:00:00:00", pdst=B)
    static final String ARP_REQUEST_FOR_B = "ffffffffffff" + "00005e005321" + "0806"
            + "0001" + "0800" + "06" + "04" + "0001"
            + "00005e005321" + "c63364fe"
            + "000000000000" + "c6336401";

    // Ether(dst=P1, src=B_MAC)/ARP(op=2, hwsrc=B_MAC, psrc=B, hwdst=P1, pdst=R1)
    static final String ARP_REPLY_FROM_B = "00005e005321" + "00005e005302" + "0806"
            + "0001" + "0800" + "06" + "04" + "0002"
            + "00005e005302" + "c6336401"
            + "00005e005321" + "c63364fe";

    // Ether(dst=P0, src=A_MAC)/IP(src=A, dst=R0, id=0x1234, flags="DF", ttl=57)/ICMP(type=8, id=0x4242, seq=7)/ECHO_DATA
    static final String ECHO_REQUEST = "00005e005312" + "00005e005301" + "0800"
            + "4500" + "003d" + "1234" + "4000" + "39" + "01" + "aa8c" + "c0000201" + "c00002fe"
            + "08" + "00" + "3352" + "4242" + "0007"
            + "746170726f75746572206563686f207061796c6f61642030313233343536373839";

    // Ether(dst=A_MAC, src=P0)/IP(src=R0, dst=A, id=0x1234, flags="DF", ttl=64)/ICMP(type=0, id=0x4242, seq=7)/ECHO_DATA
    static final String ECHO_REPLY = "00005e005301" + "00005e005312" + "0800"
            + "4500" + "003d" + "1234" + "4000" + "40" + "01" + "a38c" + "c00002fe" + "c0000201"
            + "00" + "00" + "3b52" + "4242" + "0007"
            + "746170726f75746572206563686f207061796c6f61642030313233343536373839";

    // Ether(dst=P0, src=A_MAC)/IP(src=A, dst=R1, id=0x1235, flags="DF", ttl=57)/ICMP(type=8, id=0x4242, seq=8)/ECHO_DATA
    static final String ECHO_REQUEST_R1 = "00005e005312" + "00005e005301" + "0800"
            + "4500" + "003d" + "1235" + "4000" + "39" + "01" + "4258" + "c0000201" + "c63364fe"
            + "08" + "00" + "3351" + "4242" + "0008"
            + "746170726f75746572206563686f207061796c6f61642030313233343536373839";

    // Ether(dst=A_MAC, src=P0)/IP(src=R1, dst=A, id=0x1235, flags="DF", ttl=64)/ICMP(type=0, id=0x4242, seq=8)/ECHO_DATA
    static final String ECHO_REPLY_R1 = "00005e005301" + "00005e005312" + "0800"
            + "4500" + "003d" + "1235" + "4000" + "40" + "01" + "3b58" + "c63364fe" + "c0000201"
            + "00" + "00" + "3b51" + "4242" + "0008"
            + "746170726f75746572206563686f207061796c6f61642030313233343536373839";

    private static final String UDP_DATA_HEX = "666f7277617264206d652c20706c656173653a2030313233343536373839616263646566";

    // Ether(dst=P0, src=A_MAC)/IP(src=A, dst=B, id=0x0101, ttl=64)/UDP(sport=40000, dport=9)/UDP_DATA
    static final String UDP_A_TO_B = "00005e005312" + "00005e005301" + "0800"
            + "4500" + "0040" + "0101" + "0000" + "40" + "11" + "8d76" + "c0000201" + "c6336401"
            + "9c40" + "0009" + "002c" + "8c8c" + UDP_DATA_HEX;

    // Ether(dst=B_MAC, src=P1)/IP(src=A, dst=B, id=0x0101, ttl=63)/UDP(sport=40000, dport=9)/UDP_DATA
    static final String UDP_A_TO_B_OUT = "00005e005302" + "00005e005321" + "0800"
            + "4500" + "0040" + "0101" + "0000" + "3f" + "11" + "8e76" + "c0000201" + "c6336401"
            + "9c40" + "0009" + "002c" + "8c8c" + UDP_DATA_HEX;

    // Ether(dst=P0, src=A_MAC)/IP(src=A, dst="203.0.113.9", id=0x0102, ttl=64)/UDP(sport=40000, dport=9)/UDP_DATA
    static final String UDP_A_TO_REMOTE = "00005e005312" + "00005e005301" + "0800"
            + "4500" + "0040" + "0102" + "0000" + "40" + "11" + "7ba0" + "c0000201" + "cb007109"
            + "9c40" + "0009" + "002c" + "7ab7" + UDP_DATA_HEX;

    // Ether(dst=GW_MAC, src=P1)/IP(src=A, dst="203.0.113.9", id=0x0102, ttl=63)/UDP(sport=40000, dport=9)/UDP_DATA
    static final String UDP_A_TO_REMOTE_OUT = "00005e005303" + "00005e005321" + "0800"
            + "4500" + "0040" + "0102" + "0000" + "3f" + "11" + "7ca0" + "c0000201" + "cb007109"
            + "9c40" + "0009" + "002c" + "7ab7" + UDP_DATA_HEX;

    // Ether(dst=P0, src=A_MAC)/IP(src=A, dst=B, id=0x0103, ttl=1)/UDP(sport=40000, dport=33434)/UDP_DATA
    static final String UDP_TTL1 = "00005e005312" + "00005e005301" + "0800"
            + "4500" + "0040" + "0103" + "0000" + "01" + "11" + "cc74" + "c0000201" + "c6336401"
            + "9c40" + "829a" + "002c" + "09fb" + UDP_DATA_HEX;

    // Ether(dst=P0, src=A_MAC)/IP(src=A, dst="198.18.0.1", id=0x0104, ttl=64)/UDP(sport=40000, dport=9)/UDP_DATA
    static final String UDP_NO_ROUTE = "00005e005312" + "00005e005301" + "0800"
            + "4500" + "0040" + "0104" + "0000" + "40" + "11" + "f194" + "c0000201" + "c6120001"
            + "9c40" + "0009" + "002c" + "f0ad" + UDP_DATA_HEX;

    // Ether(dst=P0, src=A_MAC)/IP(src=A, dst=R0, id=0x0105, ttl=64)/UDP(sport=40000, dport=33434)/UDP_DATA
    static final String UDP_TO_ROUTER = "00005e005312" + "00005e005301" + "0800"
            + "4500" + "0040" + "0105" + "0000" + "40" + "11" + "f4a8" + "c0000201" + "c00002fe"
            + "9c40" + "829a" + "002c" + "7131" + UDP_DATA_HEX;

    // Ether(dst=A_MAC, src=P0)/IP(tos=0xc0, id=0, flags=0, ttl=64, src=R0, dst=A)/ICMP(type=3, code=1)/<IP of UDP_A_TO_B_OUT>
    static final String HOST_UNREACHABLE = "00005e005301" + "00005e005312" + "0800"
            + "45c0" + "005c" + "0000" + "0000" + "40" + "01" + "f4e1" + "c00002fe" + "c0000201"
            + "03" + "01" + "e972" + "00000000"
            + UDP_A_TO_B_OUT.substring(IP);

    // Ether(dst=A_MAC, src=P0)/IP(tos=0xc0, id=0, flags=0, ttl=64, src=R0, dst=A)/ICMP(type=11, code=0)/<IP of UDP_TTL1>
    static final String TIME_EXCEEDED = "00005e005301" + "00005e005312" + "0800"
            + "45c0" + "005c" + "0000" + "0000" + "40" + "01" + "f4e1" + "c00002fe" + "c0000201"
            + "0b" + "00" + "e173" + "00000000"
            + UDP_TTL1.substring(IP);

    // Ether(dst=A_MAC, src=P0)/IP(tos=0xc0, id=0, flags=0, ttl=64, src=R0, dst=A)/ICMP(type=3, code=0)/<IP of UDP_NO_ROUTE>
    static final String NET_UNREACHABLE = "00005e005301" + "00005e005312" + "0800"
            + "45c0" + "005c" + "0000" + "0000" + "40" + "01" + "f4e1" + "c00002fe" + "c0000201"
            + "03" + "00" + "8552" + "00000000"
            + UDP_NO_ROUTE.substring(IP);

    // Ether(dst=A_MAC, src=P0)/IP(tos=0xc0, id=0, flags=0, ttl=64, src=R0, dst=A)/ICMP(type=3, code=3)/<IP of UDP_TO_ROUTER>
    static final String PORT_UNREACHABLE = "00005e005301" + "00005e005312" + "0800"
            + "45c0" + "005c" + "0000" + "0000" + "40" + "01" + "f4e1" + "c00002fe" + "c0000201"
            + "03" + "03" + "823a" + "00000000"
            + UDP_TO_ROUTER.substring(IP);

    /**
     * First 42 bytes (Ethernet, IP, ICMP headers) of the 590-byte Fragmentation Needed for
     * {@code BIG_DF = IP(src=A, dst=B, id=0x0200, flags="DF", ttl=64)/UDP(sport=40000, dport=9, chksum=0)/pattern(972, 1)}
     * leaving on port 1 with MTU 576:
     * Ether(dst=A_MAC, src=P0)/IP(tos=0xc0, id=0, flags=0, ttl=64, src=R0, dst=A)/ICMP(type=3, code=4, nexthopmtu=576)
     * /raw(BIG_DF with ttl=63)[:548]. The checksums cover the whole 548-byte quote.
     */
    static final String FRAG_NEEDED_HEAD = "00005e005301" + "00005e005312" + "0800"
            + "45c0" + "0240" + "0000" + "0000" + "40" + "01" + "f2fd" + "c00002fe" + "c0000201"
            + "03" + "04" + "82a9" + "0000" + "0240";

    /**
     * First 42 bytes of the 590-byte Time Exceeded for
     * {@code BIG_TTL1 = IP(src=A, dst=B, id=0x0201, ttl=1)/UDP(sport=40000, dport=9, chksum=0)/pattern(972, 2)}:
     * Ether(dst=A_MAC, src=P0)/IP(tos=0xc0, id=0, flags=0, ttl=64, src=R0, dst=A)/ICMP(type=11, code=0)/raw(BIG_TTL1)[:548].
     */
    static final String BIG_TIME_EXCEEDED_HEAD = "00005e005301" + "00005e005312" + "0800"
            + "45c0" + "0240" + "0000" + "0000" + "40" + "01" + "f2fd" + "c00002fe" + "c0000201"
            + "0b" + "00" + "77ea" + "00000000";
}
