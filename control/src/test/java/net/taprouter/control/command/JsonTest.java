package net.taprouter.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void writesNestedValuesAndEscapes() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("dst", "192.0.2.0/24");
        row.put("mtu", 1500);
        row.put("up", true);
        row.put("state", List.of("REACHABLE"));
        row.put("odd", "a\"b\\c\nd\u0001");
        StringBuilder out = new StringBuilder();
        Json.write(out, List.of(row));
        assertEquals("[{\"dst\":\"192.0.2.0/24\",\"mtu\":1500,\"up\":true,\"state\":[\"REACHABLE\"],"
            + "\"odd\":\"a\\\"b\\\\c\\nd\\u0001\"}]", out.toString());
    }

    @Test
    void anEmptyListingIsAnEmptyArray() {
        Output out = new Output(true);
        out.listing();
        assertEquals("[]\n", out.render());
        assertEquals("", new Output(false).render());
    }
}
