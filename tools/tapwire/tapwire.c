/*
 * tapwire: taprouter's baseline for "how fast can frames cross a userspace process on TAP".
 *
 * It joins two TAP devices and does nothing but copy each frame read from one to the other:
 * no parsing, no tables. A router on TAP pays at least this (one read and one write per frame),
 * so tools/loadtest reports routerd as a ratio of tapwire measured in the same run.
 *
 *   cc -O2 -pthread -o tapwire tapwire.c
 *   tapwire A B [vnet]
 *
 * Opens (creating if needed) TAP devices A and B in the current network namespace, prints
 * "ready" on stdout when both are open, then copies A->B and B->A on two threads with blocking
 * I/O until killed. Move the devices into namespaces afterwards (ip link set A netns NS): the
 * open files keep working. "vnet" opens both with IFF_VNET_HDR (a virtio-net header in front of
 * each frame) and enables checksum and TSO/USO offloads, so the kernel hands over GSO frames of
 * up to 64 KiB whole: the ceiling of a TAP forwarder that uses offloads.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define FRAME_MAX (65536 + 64)

struct direction {
    int from;
    int to;
    const char *label;
};

static void fail(const char *what, const char *device)
{
    fprintf(stderr, "tapwire: %s %s: %s\n", what, device, strerror(errno));
    exit(1);
}

static int tap_open(const char *device, int with_vnet)
{
    struct ifreq request;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        fail("cannot open /dev/net/tun for", device);
    memset(&request, 0, sizeof request);
    snprintf(request.ifr_name, IFNAMSIZ, "%s", device);
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (with_vnet)
        request.ifr_flags |= IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &request) < 0)
        fail("TUNSETIFF", device);
    if (with_vnet) {
        int header = 12; /* struct virtio_net_hdr_v1: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers */
        unsigned long full = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
        if (ioctl(fd, TUNSETVNETHDRSZ, &header) < 0)
            fail("TUNSETVNETHDRSZ", device);
#ifdef TUN_F_USO4
        /* newer kernels also segment UDP; fall back to TCP-only offloads where refused */
        if (ioctl(fd, TUNSETOFFLOAD, full | TUN_F_USO4 | TUN_F_USO6) == 0)
            return fd;
#endif
        if (ioctl(fd, TUNSETOFFLOAD, full) < 0)
            fail("TUNSETOFFLOAD", device);
    }
    return fd;
}

static void *copy_frames(void *argument)
{
    const struct direction *d = argument;
    char *frame = malloc(FRAME_MAX);
    if (frame == NULL) {
        fprintf(stderr, "tapwire: out of memory\n");
        exit(1);
    }
    for (;;) {
        ssize_t length = read(d->from, frame, FRAME_MAX);
        if (length < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            fprintf(stderr, "tapwire: read (%s): %s\n", d->label, strerror(errno));
            exit(1);
        }
        /* EIO while the far side is still down: the frame is lost, as on a wire */
        if (write(d->to, frame, (size_t) length) < 0 && errno != EIO && errno != EAGAIN && errno != EINTR) {
            fprintf(stderr, "tapwire: write (%s): %s\n", d->label, strerror(errno));
            exit(1);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "vnet") != 0)) {
        fprintf(stderr, "usage: tapwire TAP_A TAP_B [vnet]\n");
        return 2;
    }
    int with_vnet = argc == 4;
    int a = tap_open(argv[1], with_vnet);
    int b = tap_open(argv[2], with_vnet);
    struct direction forward = {a, b, "a->b"};
    struct direction backward = {b, a, "b->a"};
    pthread_t thread;
    if (pthread_create(&thread, NULL, copy_frames, &forward) != 0) {
        fprintf(stderr, "tapwire: cannot start a thread\n");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    copy_frames(&backward);
    return 0;
}
