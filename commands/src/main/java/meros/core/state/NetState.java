package meros.core.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code net.json}: the host network resources {@code init} created for a constellation, written before each
 * one is created, so that {@code shutdown} after a crash or a half-done {@code init} removes exactly those.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NetState(List<String> bridges, List<String> taps, String nftTable, boolean ipForwardWasOff, List<String> dns) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Without DNS forwarders ({@code dns}: the bridges whose dnsmasq meros started). */
    public NetState(List<String> bridges, List<String> taps, String nftTable, boolean ipForwardWasOff) {
        this(bridges, taps, nftTable, ipForwardWasOff, List.of());
    }

    public static NetState empty() { return new NetState(List.of(), List.of(), null, false, List.of()); }

    public static NetState read(Path file) {
        if (!Files.isRegularFile(file)) return empty();
        try {
            NetState s = JSON.readValue(file.toFile(), NetState.class);
            return new NetState(s.bridges == null ? List.of() : s.bridges, s.taps == null ? List.of() : s.taps,
                    s.nftTable, s.ipForwardWasOff, s.dns == null ? List.of() : s.dns);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public NetState withBridge(String b) { return new NetState(add(bridges, b), taps, nftTable, ipForwardWasOff, dns); }
    public NetState withTap(String t) { return new NetState(bridges, add(taps, t), nftTable, ipForwardWasOff, dns); }
    public NetState withNftTable(String t) { return new NetState(bridges, taps, t, ipForwardWasOff, dns); }
    public NetState withoutTap(String t) {
        List<String> l = new ArrayList<>(taps);
        l.remove(t);
        return new NetState(bridges, l, nftTable, ipForwardWasOff, dns);
    }
    /** Records the DNS forwarder of bridge {@code b} (before it is started). */
    public NetState withDns(String b) { return new NetState(bridges, taps, nftTable, ipForwardWasOff, add(dns == null ? List.of() : dns, b)); }

    public NetState withoutBridge(String b) {
        List<String> l = new ArrayList<>(bridges);
        l.remove(b);
        return new NetState(l, taps, nftTable, ipForwardWasOff, dns);
    }

    public boolean isEmpty() { return bridges.isEmpty() && taps.isEmpty() && nftTable == null && (dns == null || dns.isEmpty()); }

    public void write(Path file) { StateDir.writeJson(JSON, file, this); }

    private static List<String> add(List<String> l, String s) {
        Set<String> set = new LinkedHashSet<>(l);
        set.add(s);
        return List.copyOf(set);
    }
}
