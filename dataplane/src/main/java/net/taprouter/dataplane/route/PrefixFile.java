package net.taprouter.dataplane.route;

import java.io.BufferedReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads IPv4 prefix lists, one {@code a.b.c.d/len} a line (blank lines and lines starting with {@code #}
 * are skipped), gzip-compressed or plain (detected from the content), and parses/formats prefixes.
 */
public final class PrefixFile {

    /** Where the repository keeps the full BGP table, relative to its root (see data/README.md). */
    public static final String BGP_TABLE = "data/bgp-ipv4-prefixes.txt.gz";

    private PrefixFile() {
    }

    /**
     * The repository's full BGP table: the system property {@code taprouter.bgp} if set, else
     * {@link #BGP_TABLE} in the working directory or the nearest parent that has it (tests run in
     * a module folder, benchmarks at the root).
     *
     * @throws IllegalStateException if the file is missing: callers fail loudly, never skip
     */
    public static Path bgpTable() {
        String configured = System.getProperty("taprouter.bgp");
        if (configured != null) {
            Path file = Path.of(configured);
            if (!Files.isReadable(file)) {
                throw new IllegalStateException("BGP table " + file + " (-Dtaprouter.bgp) is not readable");
            }
            return file;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path file = dir.resolve(BGP_TABLE);
            if (Files.isReadable(file)) {
                return file;
            }
        }
        throw new IllegalStateException("BGP table " + BGP_TABLE + " not found from " + Path.of("").toAbsolutePath()
            + " upwards (the repository carries it; set -Dtaprouter.bgp=FILE to use another)");
    }

    /**
     * Loads a prefix file.
     *
     * @return one {@code {prefix, length}} pair per line, in file order
     * @throws IOException on a read error or a malformed line (the message names the line number)
     */
    public static List<int[]> load(Path file) throws IOException {
        List<int[]> prefixes = new ArrayList<>(1 << 20);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             BufferedReader reader = new BufferedReader(
                     new InputStreamReader(maybeGunzip(raw), StandardCharsets.US_ASCII), 1 << 16)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                String text = line.strip();
                if (text.isEmpty() || text.charAt(0) == '#') {
                    continue;
                }
                try {
                    prefixes.add(parse(text));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ":" + lineNumber + ": " + e.getMessage(), e);
                }
            }
        }
        return prefixes;
    }

    private static InputStream maybeGunzip(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    /**
     * Parses {@code a.b.c.d/len}.
     *
     * @return {@code {prefix, length}}
     * @throws IllegalArgumentException if malformed, or if host bits are set
     */
    public static int[] parse(CharSequence text) {
        int n = text.length();
        int pos = 0;
        int address = 0;
        for (int octet = 0; octet < 4; octet++) {
            int value = 0;
            int digits = 0;
            while (pos < n && text.charAt(pos) >= '0' && text.charAt(pos) <= '9' && digits < 4) {
                value = value * 10 + (text.charAt(pos++) - '0');
                digits++;
            }
            if (digits == 0 || digits > 3 || value > 255) {
                throw new IllegalArgumentException("bad IPv4 prefix: " + text);
            }
            address = (address << 8) | value;
            char expected = octet < 3 ? '.' : '/';
            if (pos >= n || text.charAt(pos) != expected) {
                throw new IllegalArgumentException("bad IPv4 prefix: " + text);
            }
            pos++;
        }
        int length = 0;
        int digits = 0;
        while (pos < n && text.charAt(pos) >= '0' && text.charAt(pos) <= '9' && digits < 3) {
            length = length * 10 + (text.charAt(pos++) - '0');
            digits++;
        }
        if (digits == 0 || pos != n || length > 32) {
            throw new IllegalArgumentException("bad IPv4 prefix: " + text);
        }
        if ((address & ~RouteTable.mask(length)) != 0) {
            throw new IllegalArgumentException("host bits set in prefix " + text);
        }
        return new int[] {address, length};
    }

    /** Formats an address as {@code a.b.c.d}. */
    public static String formatAddress(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }

    /** Formats a prefix as {@code a.b.c.d/len}. */
    public static String format(int prefix, int length) {
        return formatAddress(prefix) + "/" + length;
    }
}
