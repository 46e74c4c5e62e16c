package meros.core.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import meros.core.base.ExitCode;
import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.base.Text;
import meros.core.manifest.Forward;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.net.HostNet;
import meros.core.net.NftRules;
import meros.core.qmp.QmpClient;
import meros.core.state.ForwardState;
import meros.core.state.Lock;
import meros.core.state.StateDir;
import meros.core.state.VmPaths;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A VM's port forwards. In user-mode networking QEMU's {@code hostfwd} listens on the host port (manifest forwards on
 * the command line, live ones through QMP {@code human-monitor-command hostfwd_add}); on a bridge DNAT rules in the
 * constellation's nftables table send the host port to the VM's first NIC. Every forward is recorded in the VM's
 * {@code forwards.json} before it is made; the record goes with the VM at {@code shutdown}.
 */
public final class Forwards {
    public static final String HOSTFWD = "hostfwd";
    public static final String NFT = "nft";

    private Forwards() { }

    /** Records the manifest's forwards of a VM about to start. */
    static void recordManifest(Vm vm, VmPaths paths, boolean userNet) {
        ForwardState st = new ForwardState(List.of());
        for (Forward f : vm.forwards()) st = st.with(entry(f, userNet ? HOSTFWD : NFT, false));
        if (st.forwards().isEmpty()) {
            try {
                Files.deleteIfExists(paths.forwardsJson());
            } catch (IOException ignored) {
                // an empty record is as good as none
            }
            return;
        }
        st.write(paths.forwardsJson());
    }

    /** The forwards recorded for a running VM (manifest and live), as forwards. */
    public static List<Forward> active(VmPaths paths) {
        List<Forward> out = new ArrayList<>();
        for (ForwardState.Entry e : ForwardState.read(paths.forwardsJson()).forwards()) {
            out.add(new Forward(e.host(), e.guest(), e.protocol(), e.address()));
        }
        return out;
    }

    private static ForwardState.Entry entry(Forward f, String via, boolean live) {
        return new ForwardState.Entry(f.protocol(), f.address(), f.host(), f.guest(), via, live);
    }

    /**
     * Why a forward cannot be made, or null: another constellation (or VM) of this checkout already forwards the
     * host port, or a host process has it bound (named with its pid and command when /proc tells).
     *
     * @param constellation the constellation asking (its own VM's records do not count against it)
     * @param vm            the VM asking
     */
    public static String clash(Home home, String constellation, String vm, Forward f) {
        for (Owner o : recorded(home)) {
            if (o.constellation().equals(constellation) && o.vm().equals(vm)) continue;
            ForwardState.Entry e = o.entry();
            if (e.protocol().equals(f.protocol()) && e.host() == f.host()
                    && (e.address().equals(f.address()) || e.address().equals("0.0.0.0") || f.address().equals("0.0.0.0"))) {
                return "host port " + f.protocol() + " " + f.address() + ":" + f.host() + " is already forwarded by constellation '"
                        + o.constellation() + "' (vm " + o.vm() + ", to guest port " + e.guest() + ")";
            }
        }
        String refused = bindRefusal(f);
        return refused == null ? null : whyUnbindable(f, refused);
    }

    /**
     * What a refused bind of the forward's host port means, from {@code bind(2)}'s message: a privileged port for a
     * user without root ("Permission denied"), an address this host does not have ("Cannot assign requested
     * address"), else a port in use (with its owner when {@code ss} names it).
     */
    static String whyUnbindable(Forward f, String refused) {
        String port = "host port " + f.protocol() + " " + f.address() + ":" + f.host();
        if (refused.contains("Permission denied") || refused.contains("Access denied")) {
            int start = unprivilegedPortStart();
            return port + " is below " + start + " (net.ipv4.ip_unprivileged_port_start), which only root may bind:"
                    + " forward from a port of " + start + " or more, or run meros as root";
        }
        if (refused.contains("Cannot assign requested address")) {
            return port + ": " + f.address() + " is not an address of this host (forward from 127.0.0.1, 0.0.0.0 or one of its own)";
        }
        String owner = PortOwner.describe(f.protocol(), f.host());
        return port + " is already in use" + (owner == null ? "" : " by " + owner);
    }

    /** Where Linux keeps the first port a user without CAP_NET_BIND_SERVICE may bind (ip-sysctl.rst). */
    static final Path UNPRIVILEGED_PORT_START = Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start");

    /** The first port this user may bind without privileges: the sysctl, else Linux's default 1024. */
    static int unprivilegedPortStart() {
        try {
            return Integer.parseInt(Files.readString(UNPRIVILEGED_PORT_START).strip());
        } catch (IOException | RuntimeException e) {
            return 1024;
        }
    }

    /** One recorded forward with the VM it belongs to. */
    record Owner(String constellation, String vm, ForwardState.Entry entry) { }

    /** Every forward recorded under {@code data/state/} of this checkout (of VMs whose QEMU still runs). */
    static List<Owner> recorded(Home home) {
        List<Owner> out = new ArrayList<>();
        if (!Files.isDirectory(home.state())) return out;
        try (Stream<Path> cs = Files.list(home.state())) {
            for (Path c : cs.toList()) {
                if (!Files.isDirectory(c)) continue;
                try (Stream<Path> vms = Files.list(c)) {
                    for (Path v : vms.toList()) {
                        VmPaths p = new VmPaths(v);
                        if (!Files.isRegularFile(p.forwardsJson()) || !qemuAlive(p)) continue;
                        for (ForwardState.Entry e : ForwardState.read(p.forwardsJson()).forwards()) {
                            out.add(new Owner(c.getFileName().toString(), v.getFileName().toString(), e));
                        }
                    }
                }
            }
        } catch (IOException e) {
            // an unreadable state directory hides nothing we could have used
        }
        return out;
    }

    private static boolean qemuAlive(VmPaths p) {
        try {
            long pid = Long.parseLong(Files.readString(p.pidfile()).strip());
            String cmd = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            return cmd.contains(p.qmp().toString());
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** Why this process cannot bind the forward's host port ({@code bind(2)}'s message: in use, permission, address), or null. */
    static String bindRefusal(Forward f) {
        try {
            InetAddress a = InetAddress.getByName(f.address());
            if (f.protocol().equals("udp")) {
                try (DatagramSocket s = new DatagramSocket(null)) {
                    s.bind(new InetSocketAddress(a, f.host()));
                }
            } else {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(a, f.host()));
                }
            }
            return null;
        } catch (IOException e) {
            return String.valueOf(e.getMessage());
        }
    }

    /**
     * Every reason the VMs about to start cannot get their manifest forwards, one line each (empty: none).
     */
    public static List<String> clashes(Home home, String constellation, List<Vm> starting) {
        List<String> out = new ArrayList<>();
        for (Vm vm : starting) {
            for (Forward f : vm.forwards()) {
                String why = clash(home, constellation, vm.name(), f);
                if (why != null) out.add("vm " + vm.name() + " forward " + f + ": " + why);
            }
        }
        return out;
    }

    /**
     * Adds a forward to a running VM: user mode through QMP {@code hostfwd_add}, bridged through a DNAT rule in the
     * VM's chain of the constellation's nftables table. Recorded before it is made; undone by {@code shutdown}.
     *
     * @throws MerosException (usage) when the port is taken (owner named) or the VM has no way to reach it,
     *                        (failed) when the VM is not running, (external) when QEMU or nft refuses
     */
    public static void addLive(Home home, String constellation, VmRuntime r, Forward f) {
        try (Lock lock = Lock.acquire(StateDir.of(home, constellation), constellation)) {
            addLocked(home, constellation, r, f);
        }
    }

    private static void addLocked(Home home, String constellation, VmRuntime r, Forward f) {
        Vm vm = r.vm();
        if (!r.running()) throw r.notRunning();
        var rec = r.recorded();
        boolean user = rec != null && rec.userNet();
        String why = clash(home, constellation, vm.name(), f);
        for (ForwardState.Entry e : ForwardState.read(r.paths().forwardsJson()).forwards()) {
            if (e.protocol().equals(f.protocol()) && e.host() == f.host() && e.address().equals(f.address())) {
                why = "host port " + f.protocol() + " " + f.address() + ":" + f.host() + " is already forwarded to this VM (guest port " + e.guest() + ")";
            }
        }
        if (why != null) throw MerosException.usage("cannot forward " + f + " to " + r.label() + ": " + why);
        if (!user && vm.networks().isEmpty()) {
            throw MerosException.usage("cannot forward " + f + " to " + r.label() + ": it has no network interface to forward to");
        }
        ForwardState before = ForwardState.read(r.paths().forwardsJson());
        before.with(entry(f, user ? HOSTFWD : NFT, true)).write(r.paths().forwardsJson());
        if (user) {
            JsonNode out;
            try (QmpClient c = r.connect(QmpClient.DEFAULT_TIMEOUT)) {
                out = c.execute("human-monitor-command", Map.of("command-line",
                        "hostfwd_add " + QemuArgs.USER_NETDEV + " " + QemuArgs.hostfwd(f)), QmpClient.DEFAULT_TIMEOUT);
            }
            String said = out == null ? "" : Text.printableLine(out.asText("").strip()); // the monitor's CR LF lines, on one line
            if (!said.isEmpty()) {
                before.write(r.paths().forwardsJson());
                throw new MerosException(ExitCode.EXTERNAL, "QEMU refused hostfwd_add " + QemuArgs.hostfwd(f) + ": " + said);
            }
        } else {
            Nic nic = vm.networks().get(0);
            new HostNet(constellation, StateDir.of(home, constellation)).addForward(vm.name(), nic.bridge(), nic.ip(), f);
        }
    }
}
