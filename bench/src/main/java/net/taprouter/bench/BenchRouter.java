package net.taprouter.bench;

import net.taprouter.dataplane.agent.DataplaneConfig;
import net.taprouter.dataplane.agent.Worker;
import net.taprouter.dataplane.agent.WorkerSizes;
import net.taprouter.dataplane.buffer.FramePool;
import net.taprouter.dataplane.buffer.SlotReturnRing;
import net.taprouter.dataplane.conntrack.ConntrackHooks;
import net.taprouter.dataplane.fib.NextHops;
import net.taprouter.dataplane.iface.Interface;
import net.taprouter.dataplane.iface.InterfaceAddress;
import net.taprouter.dataplane.iface.InterfaceTable;
import net.taprouter.dataplane.pipeline.DataplaneSettings;
import net.taprouter.dataplane.pipeline.PublishedTables;
import net.taprouter.dataplane.port.FrameIo;
import net.taprouter.dataplane.port.Port;
import net.taprouter.dataplane.port.PortCounters;
import net.taprouter.dataplane.port.PortTable;
import net.taprouter.dataplane.route.GracePeriod;
import net.taprouter.dataplane.route.RouteTable;
import net.taprouter.dataplane.stats.CounterFile;
import net.taprouter.dataplane.wire.Ipv4Address;

/**
 * The book topology's router for the forwarding benchmarks, built as routerd builds a worker
 * ({@link Worker#build}, conntrack hooks registered, dormant until a benchmark starts them): port
 * gw0 (192.0.2.254/24, {@link ForwardingBenchmark#PORT_IN}) and gw1 (198.51.100.254/24,
 * {@link ForwardingBenchmark#PORT_OUT}) over in-memory devices, and the routes routerd installs for
 * them (connected /24s, the router's own /32s, the subnet broadcasts). The worker's counter shard is
 * made before the ports' counters, as in routerd.
 */
final class BenchRouter {
    final CounterFile counterFile;
    final RouteTable routes;
    final NextHops nextHops;
    final Worker worker;

    BenchRouter(DataplaneConfig defaults, FramePool pool, SlotReturnRing slotReturns, FrameIo gw0Device, FrameIo gw1Device) {
        counterFile = CounterFile.create(null, defaults.maxCounters());
        PortTable ports = new PortTable();
        InterfaceTable interfaces = new InterfaceTable();
        routes = new RouteTable(defaults.tbl8Groups(), GracePeriod.NONE);
        nextHops = new NextHops(defaults.nextHops(), GracePeriod.NONE);
        worker = Worker.build(new PublishedTables(ports, interfaces, routes, nextHops, new DataplaneSettings()), pool, slotReturns,
            counterFile, WorkerSizes.of(defaults), ConntrackHooks.all());
        int in = ForwardingBenchmark.PORT_IN;
        int out = ForwardingBenchmark.PORT_OUT;
        Port gw0 = new Port(in, "gw0", gw0Device, new PortCounters(counterFile, "gw0"));
        Port gw1 = new Port(out, "gw1", gw1Device, new PortCounters(counterFile, "gw1"));
        Interface if0 = Interface.forPort(in, gw0, ForwardingBenchmark.MAC_GW0, 1500);
        Interface if1 = Interface.forPort(out, gw1, ForwardingBenchmark.MAC_GW1, 1500);
        if0.addresses(new InterfaceAddress[]{new InterfaceAddress(ForwardingBenchmark.GW0, 24)});
        if1.addresses(new InterfaceAddress[]{new InterfaceAddress(ForwardingBenchmark.GW1, 24)});
        interfaces.put(if0);
        interfaces.put(if1);
        ports.put(gw0);
        ports.put(gw1);
        int gw0Address = ForwardingBenchmark.GW0;
        int gw1Address = ForwardingBenchmark.GW1;
        routes.add(gw0Address & Ipv4Address.mask(24), 24, nextHops.acquire(NextHops.TYPE_CONNECTED, in, 0));
        routes.add(gw1Address & Ipv4Address.mask(24), 24, nextHops.acquire(NextHops.TYPE_CONNECTED, out, 0));
        routes.add(gw0Address, 32, nextHops.acquire(NextHops.TYPE_LOCAL, in, 0));
        routes.add(gw1Address, 32, nextHops.acquire(NextHops.TYPE_LOCAL, out, 0));
        routes.add(gw0Address | 0xFF, 32, nextHops.acquire(NextHops.TYPE_BROADCAST, in, 0));
        routes.add(gw1Address | 0xFF, 32, nextHops.acquire(NextHops.TYPE_BROADCAST, out, 0));
    }
}
