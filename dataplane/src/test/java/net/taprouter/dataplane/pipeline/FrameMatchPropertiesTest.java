package net.taprouter.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.taprouter.dataplane.match.FrameMatch;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@link FrameMatch} against a plain evaluation of the same predicate: random predicates (terms
 * under {@code not}, {@code and}/{@code or} trees written with parentheses, and flat chains that
 * pcap-filter's rule reads left to right) over random UDP, TCP and ICMP frames.
 */
class FrameMatchPropertiesTest {
    private static final long A = Wire.mac("00:00:5e:00:53:01");
    private static final long B = Wire.mac("00:00:5e:00:53:02");
    private static final String[] ADDRESSES = {"192.0.2.1", "192.0.2.77", "198.51.100.7", "203.0.113.9"};

    /** What a frame carries: addresses, protocol and ports (-1: no ports, ICMP). */
    record Fields(int src, int dst, int protocol, int sport, int dport) {
        byte[] frame() {
            Wire.Ipv4 ip = new Wire.Ipv4(src, dst);
            if (protocol == 1) {
                return ip.icmp(8, 0, 0x01020001, Wire.pattern(8, 1)).frame(B, A);
            }
            byte[] l4 = protocol == 17 ? Wire.udp(sport, dport, Wire.pattern(8, 2)) : Wire.tcpSyn(sport, dport);
            return ip.payload(protocol, l4).frame(B, A);
        }
    }

    /** A predicate: its text and its meaning. */
    interface Expr {
        String text();

        boolean eval(Fields f);
    }

    record Term(String text, java.util.function.Predicate<Fields> test) implements Expr {
        @Override
        public boolean eval(Fields f) {
            return test.test(f);
        }
    }

    record Not(Expr e, boolean bang) implements Expr {
        @Override
        public String text() {
            return (bang ? "!" : "not ") + (e instanceof Term ? e.text() : "(" + e.text() + ")");
        }

        @Override
        public boolean eval(Fields f) {
            return !e.eval(f);
        }
    }

    record Both(Expr a, Expr b, boolean and) implements Expr {
        @Override
        public String text() {
            return "(" + a.text() + ") " + (and ? "and" : "or") + " (" + b.text() + ")";
        }

        @Override
        public boolean eval(Fields f) {
            return and ? a.eval(f) && b.eval(f) : a.eval(f) || b.eval(f);
        }
    }

    /** t1 op t2 op t3 ... without parentheses: left to right, and and or alike. */
    record Chain(List<Expr> terms, List<Boolean> ands) implements Expr {
        @Override
        public String text() {
            StringBuilder s = new StringBuilder(terms.get(0).text());
            for (int i = 1; i < terms.size(); i++) {
                s.append(ands.get(i - 1) ? " and " : " or ").append(terms.get(i).text());
            }
            return s.toString();
        }

        @Override
        public boolean eval(Fields f) {
            boolean v = terms.get(0).eval(f);
            for (int i = 1; i < terms.size(); i++) {
                v = ands.get(i - 1) ? v && terms.get(i).eval(f) : v || terms.get(i).eval(f);
            }
            return v;
        }
    }

    @Provide
    Arbitrary<Fields> frames() {
        Arbitrary<Integer> address = Arbitraries.of(ADDRESSES).map(Wire::ip);
        Arbitrary<Integer> port = Arbitraries.of(53, 80, 40000, 9);
        return Combinators.combine(address, address, Arbitraries.of(1, 6, 17), port, port)
            .as((s, d, p, sp, dp) -> new Fields(s, d, p, p == 1 ? -1 : sp, p == 1 ? -1 : dp));
    }

    @Provide
    Arbitrary<Expr> terms() {
        Arbitrary<String> address = Arbitraries.of(ADDRESSES);
        Arbitrary<Integer> port = Arbitraries.of(53, 80, 40000);
        Arbitrary<Integer> length = Arbitraries.of(8, 16, 24, 32);
        return Arbitraries.oneOf(
            address.map(a -> new Term("src " + a, f -> f.src == Wire.ip(a))),
            address.map(a -> new Term("dst host " + a, f -> f.dst == Wire.ip(a))),
            address.map(a -> new Term("host " + a, f -> f.src == Wire.ip(a) || f.dst == Wire.ip(a))),
            Combinators.combine(address, length).as((a, l) -> new Term("net " + a + "/" + l,
                f -> in(f.src, a, l) || in(f.dst, a, l))),
            Combinators.combine(address, length).as((a, l) -> new Term("src net " + a + "/" + l, f -> in(f.src, a, l))),
            Arbitraries.of(1, 6, 17).map(p -> new Term(p == 6 ? "tcp" : p == 17 ? "proto udp" : "proto " + p, f -> f.protocol == p)),
            port.map(p -> new Term("port " + p, f -> f.sport == p || f.dport == p)),
            port.map(p -> new Term("src port " + p, f -> f.sport == p)),
            port.map(p -> new Term("dst port " + p, f -> f.dport == p)));
    }

    private static boolean in(int address, String prefix, int length) {
        int mask = length == 0 ? 0 : -1 << (32 - length);
        return (address & mask) == (Wire.ip(prefix) & mask);
    }

    @Provide
    Arbitrary<Expr> expressions() {
        return Arbitraries.lazyOf(
            this::terms,
            () -> Combinators.combine(expressions(), Arbitraries.of(true, false)).as(Not::new),
            () -> Combinators.combine(expressions(), expressions(), Arbitraries.of(true, false)).as(Both::new),
            () -> Combinators.combine(terms().list().ofMinSize(2).ofMaxSize(5), Arbitraries.of(true, false).list().ofSize(4))
                .as(Chain::new));
    }

    @Property(tries = 2000)
    void aPredicateMeansWhatItSays(@ForAll("expressions") Expr predicate, @ForAll("frames") Fields fields) {
        byte[] frame = fields.frame();
        boolean expected = predicate.eval(fields);
        FrameMatch match = FrameMatch.parse(predicate.text());
        assertEquals(expected, match.matches(new UnsafeBuffer(frame), 0, frame.length), predicate.text() + " on " + fields);
    }
}
