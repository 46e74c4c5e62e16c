package meros.core.net;

import meros.core.base.Home;
import meros.core.base.MerosException;
import meros.core.manifest.Manifest;
import meros.core.manifest.ManifestLoader;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;
import meros.core.state.StateDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code NetMain HOME CONSTELLATION up|check-up|down}: the network half of {@code init} (every bridge, then every tap;
 * with {@code check-up} after checking them all first) or of {@code shutdown}, in a child JVM, so a test can run it inside a network namespace without building or booting VMs.
 * Prints what it did; a refusal goes to stderr with exit 1.
 */
public final class NetMain {
    private NetMain() { }

    public static void main(String[] args) {
        Home home = new Home(Path.of(args[0]));
        String c = args[1];
        HostNet net = new HostNet(c, StateDir.of(home, c));
        try {
            if (args[2].equals("check-up")) {
                Manifest m = ManifestLoader.load(home.constellations().resolve(c));
                List<Nic> all = new ArrayList<>();
                for (Vm vm : m.vms().values()) all.addAll(vm.networks());
                net.refuseForeign(m.bridges().values(), all);
                net.bridgesUp(m.bridges().values()).forEach(System.out::println);
                for (Nic n : all) net.tapUp(n);
            } else if (args[2].equals("up")) {
                Manifest m = ManifestLoader.load(home.constellations().resolve(c));
                net.bridgesUp(m.bridges().values()).forEach(System.out::println);
                for (Vm vm : m.vms().values()) for (Nic n : vm.networks()) net.tapUp(n);
            } else {
                net.allDown().forEach(System.out::println);
            }
        } catch (MerosException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(e.exitCode().code);
        }
        System.exit(0);
    }
}
