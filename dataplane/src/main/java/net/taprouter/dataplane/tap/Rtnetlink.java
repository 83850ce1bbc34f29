package net.taprouter.dataplane.tap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** Minimal rtnetlink client: just enough to move a link into another namespace and rename it in one request. */
final class Rtnetlink {
    private static final int NLMSG_HDRLEN = 16;
    private static final int IFINFOMSG_LEN = 16;
    private static final short RTM_SETLINK = 19;
    private static final short NLMSG_ERROR = 2;
    private static final short NLM_F_REQUEST = 0x1;
    private static final short NLM_F_ACK = 0x4;
    private static final short IFLA_IFNAME = 3;
    private static final short IFLA_NET_NS_FD = 28;

    private static final AtomicInteger SEQ = new AtomicInteger((int) (System.nanoTime() & 0xffff));

    private Rtnetlink() {
    }

    /**
     * RTM_SETLINK {ifindex, IFLA_NET_NS_FD=nsFd, IFLA_IFNAME=newName}: moves link {@code ifindex} of the calling
     * thread's namespace into the namespace behind {@code nsFd}, named {@code newName} there. Atomic in the kernel:
     * on failure the link stays where it was, under its old name.
     *
     * @return 0 on success, otherwise the kernel's positive errno (EEXIST: the name is taken in the target)
     * @throws IOException if the netlink socket itself fails
     */
    static int moveAndRename(int ifindex, int nsFd, String newName) throws IOException {
        byte[] name = newName.getBytes(StandardCharsets.US_ASCII);
        int nameAttrLen = 4 + name.length + 1;
        int len = NLMSG_HDRLEN + IFINFOMSG_LEN + 8 + align4(nameAttrLen);
        int seq = SEQ.incrementAndGet();

        Memory req = new Memory(len);
        req.clear();
        req.setInt(0, len);
        req.setShort(4, RTM_SETLINK);
        req.setShort(6, (short) (NLM_F_REQUEST | NLM_F_ACK));
        req.setInt(8, seq);
        req.setInt(12, 0);
        // struct ifinfomsg: family 0 (AF_UNSPEC), type 0, index, flags 0, change 0
        req.setInt(NLMSG_HDRLEN + 4, ifindex);
        int off = NLMSG_HDRLEN + IFINFOMSG_LEN;
        req.setShort(off, (short) 8);
        req.setShort(off + 2, IFLA_NET_NS_FD);
        req.setInt(off + 4, nsFd);
        off += 8;
        req.setShort(off, (short) nameAttrLen);
        req.setShort(off + 2, IFLA_IFNAME);
        req.write(off + 4, name, 0, name.length); // NUL and padding already zero

        int sock;
        try {
            sock = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
        } catch (LastErrorException e) {
            throw new IOException("cannot open rtnetlink socket: " + LibC.describe(e.getErrorCode()));
        }
        try {
            try {
                LibC.send(sock, req, len, 0);
            } catch (LastErrorException e) {
                throw new IOException("rtnetlink send failed: " + LibC.describe(e.getErrorCode()));
            }
            Memory resp = new Memory(8192);
            while (true) {
                long n;
                try {
                    n = LibC.recv(sock, resp, resp.size(), 0);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == LibC.EINTR) {
                        continue;
                    }
                    throw new IOException("rtnetlink receive failed: " + LibC.describe(e.getErrorCode()));
                }
                int pos = 0;
                while (pos + NLMSG_HDRLEN <= n) {
                    int msgLen = resp.getInt(pos);
                    short type = resp.getShort(pos + 4);
                    int msgSeq = resp.getInt(pos + 8);
                    if (msgLen < NLMSG_HDRLEN || pos + msgLen > n) {
                        throw new IOException("malformed rtnetlink reply");
                    }
                    if (type == NLMSG_ERROR && msgSeq == seq) {
                        int error = resp.getInt(pos + NLMSG_HDRLEN);
                        return -error;
                    }
                    pos += align4(msgLen);
                }
            }
        } finally {
            LibC.closeQuietly(sock);
        }
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }
}
