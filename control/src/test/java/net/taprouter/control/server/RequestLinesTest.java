package net.taprouter.control.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.Chars;

/** A request's lines, decoded one by one, are exactly what splitting the decoded text gives. */
class RequestLinesTest {
    @Property(tries = 500)
    void linesAreSplitLikeTheWholeText(@ForAll @StringLength(max = 200) @Chars({'\n', 'a', ' ', '#', 'é', '路', '/'}) String text) {
        ByteBuf frame = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            assertEquals(Arrays.asList(text.split("\n", -1)), ControlServer.lines(frame));
        } finally {
            frame.release();
        }
    }
}
