package net.taprouter.dataplane.route;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrefixFileTest {

    @Test
    void parsesAndFormats() {
        assertArrayEquals(new int[] {0xC000_0200, 24}, PrefixFile.parse("192.0.2.0/24"));
        assertArrayEquals(new int[] {0, 0}, PrefixFile.parse("0.0.0.0/0"));
        assertArrayEquals(new int[] {-1, 32}, PrefixFile.parse("255.255.255.255/32"));
        assertEquals("192.0.2.0/24", PrefixFile.format(0xC000_0200, 24));
        assertEquals("255.255.255.255", PrefixFile.formatAddress(-1));
        for (String bad : new String[] {"", "1.2.3/8", "1.2.3.4", "1.2.3.4/", "1.2.3.4/33", "256.0.0.0/8",
                "1.2.3.4/8", "1..3.4/32", "1.2.3.4/32x", "01234.0.0.0/8", "a.b.c.d/8", "1.2.3.4/-1"}) {
            assertThrows(IllegalArgumentException.class, () -> PrefixFile.parse(bad), bad);
        }
    }

    @Test
    void loadsGzipAndPlainFilesWithCrLf(@TempDir Path dir) throws IOException {
        String text = "# comment\r\n10.0.0.0/8\r\n\r\n192.168.1.128/25\r\n0.0.0.0/0\n";
        Path plain = dir.resolve("p.txt");
        Files.writeString(plain, text, StandardCharsets.US_ASCII);
        Path gz = dir.resolve("p.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
        }
        for (Path p : new Path[] {plain, gz}) {
            List<int[]> list = PrefixFile.load(p);
            assertEquals(3, list.size());
            assertArrayEquals(new int[] {0x0A00_0000, 8}, list.get(0));
            assertArrayEquals(new int[] {0xC0A8_0180, 25}, list.get(1));
            assertArrayEquals(new int[] {0, 0}, list.get(2));
        }
        Path broken = dir.resolve("b.txt");
        Files.writeString(broken, "10.0.0.0/8\n10.0.0.1/8\n", StandardCharsets.US_ASCII);
        IOException e = assertThrows(IOException.class, () -> PrefixFile.load(broken));
        assertTrue(e.getMessage().contains(":2:"), e.getMessage());
    }

    @Test
    void binaryTrieBasics() {
        BinaryTrie t = new BinaryTrie();
        assertEquals(BinaryTrie.NO_ROUTE, t.lookup(0));
        t.add(0, 0, 1);
        t.add(0x0A00_0000, 8, 2);
        t.add(0x0A01_0203, 32, 3);
        assertEquals(1, t.lookup(0x0B00_0000));
        assertEquals(2, t.lookup(0x0A01_0202));
        assertEquals(3, t.lookup(0x0A01_0203));
        assertEquals(3, t.size());
        assertEquals(3, t.get(0x0A01_0203, 32));
        assertEquals(BinaryTrie.NO_ROUTE, t.get(0x0A01_0200, 24));
        assertTrue(t.remove(0x0A01_0203, 32));
        assertEquals(2, t.lookup(0x0A01_0203));
        assertEquals(false, t.remove(0x0A01_0203, 32));
        assertEquals(false, t.remove(0x0A01_0200, 24));
        t.add(0x0A01_0203, 32, 4); // reuses pruned nodes
        assertEquals(4, t.lookup(0x0A01_0203));
        assertTrue(t.remove(0, 0));
        assertEquals(BinaryTrie.NO_ROUTE, t.lookup(0x0B00_0000));
        assertThrows(IllegalArgumentException.class, () -> t.add(1, 8, 1));
        assertThrows(IllegalArgumentException.class, () -> t.add(0, 8, -1));
    }
}
