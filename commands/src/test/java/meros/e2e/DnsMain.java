package meros.e2e;

import meros.core.base.Home;
import meros.core.manifest.Manifest;
import meros.core.manifest.ManifestLoader;
import meros.core.net.HostNet;
import meros.core.state.StateDir;

import java.nio.file.Path;

/**
 * Test helper run in a child JVM inside a network namespace: {@code up <home> <c>} creates the constellation's bridges,
 * nftables table and DNS forwarders exactly as {@code init} does (without taps or VMs); {@code down <home> <c>} removes
 * everything recorded, as {@code shutdown} does.
 */
public final class DnsMain {
    private DnsMain() { }

    public static void main(String[] args) {
        Home home = new Home(Path.of(args[1]));
        Manifest m = ManifestLoader.load(home.root().resolve("constellations").resolve(args[2]));
        HostNet net = new HostNet(m.name(), StateDir.of(home, m.name()));
        if (args[0].equals("up")) {
            net.bridgesUp(m.bridges().values()).forEach(l -> System.out.println("created " + l));
            net.dnsUp(m.bridges().values(), m).forEach(l -> System.out.println("started " + l));
        } else {
            net.allDown().forEach(l -> System.out.println("removed " + l));
        }
    }
}
