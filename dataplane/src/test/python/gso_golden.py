#!/usr/bin/python3
"""Makes the kernel-made golden frames of the offload tests (OffloadGolden.java).

Run as root:  dataplane/src/test/python/gso_golden.py   (Debian's /usr/bin/python3 has scapy)

In a throwaway network namespace it opens three TAP devices itself:
  tin   IFF_VNET_HDR (10-byte virtio-net header), 192.0.2.254/24: super-packets are written here
  tout  plain TAP (no offload: the kernel must segment and complete checksums), 198.51.100.254/24
  tgso  IFF_VNET_HDR + TUNSETOFFLOAD(CSUM|TSO4|TSO6|USO4|USO6), 203.0.113.254/24: what the kernel
        hands to a TAP reader that accepts offloads (a SYN with NEEDS_CSUM, a TSO super-packet)
With ip_forward=1 the kernel forwards each super-packet written to tin out of tout and segments it
in software on the way (TTL - 1, per-segment IP id, length, sequence number, flags, checksums):
the segments read from tout are kernel-made golden segments for our segmenter. It prints Java
string constants.
"""
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

from scapy.all import Ether, IP, TCP, UDP, Raw, raw  # noqa: E402

TUNSETIFF = 0x400454CA
TUNSETOFFLOAD = 0x400454D0
TUNSETVNETHDRSZ = 0x400454D8
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_VNET_HDR = 0x4000
TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, TUN_F_USO4, TUN_F_USO6 = 0x01, 0x02, 0x04, 0x20, 0x40

A_MAC = "00:00:5e:00:53:01"
B_MAC = "00:00:5e:00:53:02"
C_MAC = "00:00:5e:00:53:03"
A, B, C = "192.0.2.1", "198.51.100.1", "203.0.113.1"


def sh(*cmd):
    subprocess.run(cmd, check=True)


def tap(name, vnet, offloads=0):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    flags = IFF_TAP | IFF_NO_PI | (IFF_VNET_HDR if vnet else 0)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), flags))
    if vnet:
        fcntl.ioctl(fd, TUNSETVNETHDRSZ, struct.pack("i", 10))
        fcntl.ioctl(fd, TUNSETOFFLOAD, offloads)
    return fd


def vnet(flags=0, gso_type=0, hdr_len=0, gso_size=0, csum_start=0, csum_offset=0):
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def pseudo(src, dst, proto, length):
    s = 0
    for a in (src, dst):
        b = socket.inet_aton(a)
        s += (b[0] << 8 | b[1]) + (b[2] << 8 | b[3])
    return fold(s + proto + length)


def partial(frame, l4_offset, csum_field):
    """The frame with its L4 checksum field holding the folded pseudo-header sum (CHECKSUM_PARTIAL)."""
    ip = frame[14:]
    src = socket.inet_ntoa(ip[12:16])
    dst = socket.inet_ntoa(ip[16:20])
    total = ip[2] << 8 | ip[3]
    ihl = (ip[0] & 15) * 4
    s = pseudo(src, dst, ip[9], total - ihl)
    b = bytearray(frame)
    b[l4_offset + csum_field:l4_offset + csum_field + 2] = struct.pack(">H", s)
    return bytes(b)


def read_frames(fd, count, timeout=2.0, header=0):
    frames = []
    end = time.time() + timeout
    while len(frames) < count and time.time() < end:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.time()))
        if not r:
            break
        data = os.read(fd, 70000)
        frame = data[header:]
        if frame[12:14] != b"\x08\x00":
            continue  # only IPv4 (no IPv6 here, but be safe)
        frames.append(data)
    return frames


def pattern(n, seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def main():
    tin = tap("tin", True)
    tout = tap("tout", False)
    tgso = tap("tgso", True, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6)
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1")
    sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
    sh("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
    sh("ip", "link", "set", "lo", "up")
    for dev, addr in (("tin", "192.0.2.254/24"), ("tout", "198.51.100.254/24"), ("tgso", "203.0.113.254/24")):
        sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % dev)
        sh("ip", "addr", "add", addr, "dev", dev)
        sh("ip", "link", "set", dev, "up")
    sh("ip", "neigh", "add", B, "lladdr", B_MAC, "dev", "tout", "nud", "permanent")
    sh("ip", "neigh", "add", A, "lladdr", A_MAC, "dev", "tin", "nud", "permanent")
    sh("ip", "neigh", "add", C, "lladdr", C_MAC, "dev", "tgso", "nud", "permanent")
    time.sleep(0.3)
    tin_mac = open("/sys/class/net/tin/address").read().strip()
    out = {}

    # 1. TCP super-packet: 3 segments of gso_size 1000 (1000, 1000, 700), PSH|FIN|CWR|ACK, timestamps
    tcp_payload = pattern(2700, 3)
    sp = Ether(dst=tin_mac, src=A_MAC) / IP(src=A, dst=B, id=0x1234, flags="DF", ttl=64) / TCP(
        sport=40000, dport=5201, seq=0xFFFFFC00, ack=0x01020304, flags="FPAC", window=502,
        options=[("NOP", None), ("NOP", None), ("Timestamp", (0x11223344, 0x55667788))]) / Raw(tcp_payload)
    frame = raw(sp)
    frame = partial(frame, 34, 16)
    out["TCP_SUPER"] = frame
    out["TCP_SUPER_VNET"] = vnet(1, 0x81, 66, 1000, 34, 16)  # TCPV4|ECN
    os.write(tin, out["TCP_SUPER_VNET"] + frame)
    segs = read_frames(tout, 3)
    for i, s in enumerate(segs):
        out["TCP_SEGMENT_%d" % i] = s

    # 2. UDP super-packet (UDP_L4): 3 datagrams of 1000, 1000, 500
    udp_payload = pattern(2500, 5)
    sp = Ether(dst=tin_mac, src=A_MAC) / IP(src=A, dst=B, id=0x4321, flags="DF", ttl=64) / UDP(
        sport=40001, dport=5202) / Raw(udp_payload)
    frame = partial(raw(sp), 34, 6)
    out["UDP_SUPER"] = frame
    out["UDP_SUPER_VNET"] = vnet(1, 5, 42, 1000, 34, 6)
    os.write(tin, out["UDP_SUPER_VNET"] + frame)
    segs = read_frames(tout, 3)
    for i, s in enumerate(segs):
        out["UDP_SEGMENT_%d" % i] = s

    # 3. Non-GSO frames with NEEDS_CSUM: the kernel completes the checksum on the way out
    sp = Ether(dst=tin_mac, src=A_MAC) / IP(src=A, dst=B, id=0x0101, flags="DF", ttl=64) / UDP(
        sport=40002, dport=5203) / Raw(pattern(333, 9))
    frame = partial(raw(sp), 34, 6)
    out["UDP_PARTIAL"] = frame
    os.write(tin, vnet(1, 0, 0, 0, 34, 6) + frame)
    out["UDP_PARTIAL_COMPLETED"] = read_frames(tout, 1)[0]
    sp = Ether(dst=tin_mac, src=A_MAC) / IP(src=A, dst=B, id=0x0202, flags="DF", ttl=64) / TCP(
        sport=40003, dport=5204, seq=7, ack=9, flags="PA", window=100) / Raw(pattern(77, 11))
    frame = partial(raw(sp), 34, 16)
    out["TCP_PARTIAL"] = frame
    os.write(tin, vnet(1, 0, 0, 0, 34, 16) + frame)
    out["TCP_PARTIAL_COMPLETED"] = read_frames(tout, 1)[0]

    # 4. What the kernel hands a TAP reader that accepts offloads: a SYN (NEEDS_CSUM), then a TSO
    #    super-packet once a handshake we answer by hand is done.
    srv = socket.socket()
    srv.setblocking(False)
    try:
        srv.connect((C, 5201))
    except BlockingIOError:
        pass
    syn = read_frames(tgso, 1, header=10)[0]
    out["KERNEL_SYN_WITH_VNET"] = syn
    s = Ether(syn[10:])
    synack = Ether(dst=s.src, src=C_MAC) / IP(src=C, dst=s[IP].src, ttl=64) / TCP(
        sport=5201, dport=s[TCP].sport, seq=1000, ack=s[TCP].seq + 1, flags="SA", window=65535,
        options=[("MSS", 1460), ("NOP", None), ("WScale", 7)])
    os.write(tgso, vnet() + raw(synack))
    time.sleep(0.2)
    select.select([], [srv], [], 1.0)
    srv.setblocking(True)
    threading.Thread(target=lambda: srv.sendall(pattern(8000, 1)), daemon=True).start()
    frames = read_frames(tgso, 4, header=10)
    for f in frames:
        if f[1] != 0:  # gso_type set: a super-packet
            out["KERNEL_TSO_WITH_VNET_HEAD"] = f[:10 + 14 + 20 + 20]
            out["KERNEL_TSO_LENGTH"] = len(f) - 10
            break

    for name, value in out.items():
        if isinstance(value, int):
            print("    static final int %s = %d;" % (name, value))
            continue
        h = value.hex()
        lines = [h[i:i + 96] for i in range(0, len(h), 96)]
        print("    static final String %s =" % name)
        for j, line in enumerate(lines):
            print("        %s\"%s\"%s" % ("+ " if j else "", line, ";" if j == len(lines) - 1 else ""))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        main()
    else:
        ns = "gsogold%d" % os.getpid()
        sh("ip", "netns", "add", ns)
        try:
            subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__), "--inside"], check=True)
        finally:
            subprocess.run(["ip", "netns", "del", ns])
