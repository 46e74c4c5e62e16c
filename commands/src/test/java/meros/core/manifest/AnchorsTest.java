package meros.core.manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Anchors and merge keys at realistic sizes are read; alias bombs are refused by their expanded size, saying where. */
class AnchorsTest {
    @TempDir Path tmp;
    static final String F = "constellations/bad/bad.yml:";

    /** {@code n} VMs sharing settings through one anchor and merge keys, plus anchored lists: 4 aliases per VM after the first. */
    static String shared(int n) {
        StringBuilder y = new StringBuilder("bridges:\n  labnet: {subnet: 10.0.0.0/16}\nvirtual_machines:\n");
        y.append("  vm0: &base\n    memory: 512\n    cpus: 2\n    packages: &pk [curl, busybox]\n    qemu_args: &qa [-device, virtio-rng-pci]\n"
                + "    kernel_args: &ka console=ttyS0\n    networks: [{label: t0, bridge: labnet, ip_addr: 10.0.1.1}]\n");
        for (int i = 1; i < n; i++) {
            y.append("  vm").append(i).append(":\n    <<: *base\n    packages: *pk\n    qemu_args: *qa\n    kernel_args: *ka\n")
                    .append("    networks: [{label: t").append(i).append(", bridge: labnet, ip_addr: 10.0.").append(1 + i / 250).append('.').append(2 + i % 250).append("}]\n");
        }
        return y.toString();
    }

    @Test
    void fourteenVmsWithFiftyTwoAliasesAreRead() {
        String yaml = shared(14);
        assertEquals(52, yaml.split("\\*").length - 1, "the field input's alias count");
        Manifest m = ManifestTestSupport.load(tmp, "fourteen", yaml);
        assertEquals(14, m.vms().size());
        for (Vm v : m.vms().values()) {
            assertEquals(512, v.memoryMiB());
            assertEquals(List.of("curl", "busybox"), v.packages());
            assertEquals("console=ttyS0", v.kernelArgs());
        }
    }

    @Test
    void hundredsOfVmsWithSharedSettingsAreRead() {
        Manifest m = ManifestTestSupport.load(tmp, "many", shared(600));
        assertEquals(600, m.vms().size());
        assertEquals(2, m.vm("vm599").cpus());
    }

    @Test
    void aBillionLaughsBombIsRefusedAtItsLargestAnchor() {
        StringBuilder y = new StringBuilder("virtual_machines:\n  box:\n    packages: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i <= 8; i++) {
            y.append("    x").append(i).append(": &l").append(i).append(" [");
            for (int j = 0; j < 9; j++) y.append(j == 0 ? "" : ", ").append("*l").append(i - 1);
            y.append("]\n");
        }
        List<String> p = ManifestTestSupport.problems(tmp, "bad", y.toString());
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith(F + "10:9: YAML error: the aliases expand this manifest to more than 500000 nodes (an alias bomb?): "
                + "anchor &l7 expands to "), p.get(0));
        assertTrue(p.get(0).endsWith(" nodes and is repeated by 9 aliases; a constellation even of hundreds of VMs needs far fewer"), p.get(0));
    }

    @Test
    void aBombBuiltFromMergeKeysIsRefusedToo() {
        StringBuilder y = new StringBuilder("virtual_machines:\n  m0: &m0 {memory: 512, cpus: 1, user: a, release: b, mirror: null, kernel_args: c}\n");
        for (int i = 1; i <= 12; i++) {
            y.append("  m").append(i).append(": &m").append(i).append(" {<<: [");
            for (int j = 0; j < 8; j++) y.append(j == 0 ? "" : ", ").append("*m").append(i - 1);
            y.append("]}\n");
        }
        List<String> p = ManifestTestSupport.problems(tmp, "bad", y.toString());
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).contains("YAML error: the aliases expand this manifest to more than 500000 nodes (an alias bomb?): anchor &m"), p.get(0));
    }

    @Test
    void anAnchorThatContainsItselfIsRefused() {
        List<String> p = ManifestTestSupport.problems(tmp, "bad", """
                virtual_machines:
                  box: &me
                    qemu_args: [*me]
                """);
        assertEquals(List.of(F + "2:8: YAML error: anchor &me contains an alias to itself, so it never ends"), p);
    }

    /** A merge key's value must be a mapping or a list of mappings (yaml.org/type/merge.html): anything else is reported at the '<<'. */
    @Test
    void aMergeKeyOfAnythingButMappingsIsRefusedAtTheMergeKey() {
        List<String> p = ManifestTestSupport.problems(tmp, "bad", """
                virtual_machines:
                  web: {memory: &m 2048}
                  client: {<<: *m}
                  x:
                    packages: &pk [curl]
                    <<: *pk
                  y: {<<: 5}
                  z: {<<: ~}
                  w: {<<: [{cpus: 2}, *m]}
                """);
        assertEquals(List.of(
                F + "3:12: virtual_machines.client: '<<' (a YAML merge key) takes a mapping or a list of mappings (e.g. <<: *base, "
                        + "with &base on a mapping), got the number 2048 (via alias *m defined at line 2)",
                F + "6:5: virtual_machines.x: '<<' (a YAML merge key) takes a mapping or a list of mappings, but item 0 is 'curl' "
                        + "(via alias *pk defined at line 5)",
                F + "7:7: virtual_machines.y: '<<' (a YAML merge key) takes a mapping or a list of mappings (e.g. <<: *base, "
                        + "with &base on a mapping), got the number 5",
                F + "8:7: virtual_machines.z: '<<' (a YAML merge key) takes a mapping or a list of mappings (e.g. <<: *base, "
                        + "with &base on a mapping), got nothing",
                F + "9:7: virtual_machines.w: '<<' (a YAML merge key) takes a mapping or a list of mappings, but item 1 is "
                        + "the number 2048 (via alias *m defined at line 2)"), p);
    }

    /** A problem in an alias used as a value, or in what a merge key brings in, is reported where the alias is used. */
    @Test
    void problemsThroughAnAliasAreReportedWhereItIsUsed() {
        List<String> p = ManifestTestSupport.problems(tmp, "bad", """
                virtual_machines:
                  base: &base
                    memory: 2Q
                    packages: &pk [curl]
                  client:
                    <<: *base
                  db: {cpus: 1, user: *pk}
                """);
        assertEquals(List.of(
                F + "3:13: virtual_machines.base.memory: '2Q' is not a size (use e.g. 512M, 2G; units K, M, G, T, binary)",
                F + "6:9: virtual_machines.client.memory: '2Q' is not a size (use e.g. 512M, 2G; units K, M, G, T, binary) "
                        + "(via alias *base defined at line 2)",
                F + "7:23: virtual_machines.db.user: expected a string, got a list (via alias *pk defined at line 4)"), p);
    }
}
