package net.taprouter.control.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Numeric group ids from /etc/group (for the control socket's peer check). */
final class GroupIds {
    private GroupIds() {
    }

    static int gidOf(String group) throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/group"))) {
            String[] fields = line.split(":", -1);
            if (fields.length >= 3 && fields[0].equals(group)) {
                return Integer.parseInt(fields[2]);
            }
        }
        throw new IOException("no such group " + group);
    }
}
