package meros.core.manifest;

import meros.core.base.Names;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cidr, Ipv4, Size, Mac and the did-you-mean distance. */
class ValuesTest {
    @Test
    void ipv4RoundTrips() {
        assertEquals("10.0.10.21", Ipv4.format(Ipv4.parse("10.0.10.21")));
        assertEquals("255.255.255.255", Ipv4.format(Ipv4.parse("255.255.255.255")));
        assertEquals(0x0A000A15, Ipv4.parse("10.0.10.21"));
    }

    @Test
    void ipv4Rejects() {
        for (String bad : new String[] {"10.0.10", "10.0.10.256", "a.b.c.d", "10..0.1", "1.2.3.4.5", "1.2.3.0001"}) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4.parse(bad), bad);
        }
    }

    /** An octet or prefix length with a leading zero reads as octal to inet_aton and decimal to others: refused. */
    @Test
    void leadingZerosAreRefusedNamingTheDecimalSpelling() {
        assertEquals("'010.6.0.005' is ambiguous: 010, 005 have leading zeros, octal to inet_aton (ping, curl: 010 is 8) "
                        + "and decimal to others; write 10.6.0.5 (decimal, no leading zeros)",
                assertThrows(IllegalArgumentException.class, () -> Ipv4.parse("010.6.0.005")).getMessage());
        assertEquals("'10.6.0.09' is ambiguous: 09 has a leading zero, octal to inet_aton (ping, curl: 09 is no octal number) "
                        + "and decimal to others; write 10.6.0.9 (decimal, no leading zeros)",
                assertThrows(IllegalArgumentException.class, () -> Ipv4.parse("10.6.0.09")).getMessage());
        assertEquals("'010.6.0.0/24' is ambiguous: 010 has a leading zero, octal to inet_aton (ping, curl: 010 is 8) "
                        + "and decimal to others; write 10.6.0.0/24 (decimal, no leading zeros)",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("010.6.0.0/24")).getMessage());
        assertEquals("'10.6.0.0/024' has a leading zero in its prefix length; write 10.6.0.0/24",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.6.0.0/024")).getMessage());
        assertEquals(0, Ipv4.parse("0.0.0.0"));
        for (String bad : new String[] {"10.+1.0.0", "10.-1.0.0", "10.0.0.\u0661", " 10.0.0.1", "10.0.0.1 "}) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4.parse(bad), bad);
        }
        for (String bad : new String[] {"10.0.0.0/+8", "10.0.0.0/-0", "10.0.0.0/ 8", "10.0.0.0/"}) {
            assertEquals("'" + bad + "' has a malformed prefix length",
                    assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad)).getMessage());
        }
    }

    /** The forward command's ports: decimal digits, no leading zero, no sign. */
    @Test
    void forwardPortsAreDecimalWithoutLeadingZeros() {
        assertEquals("'080' in '8080:080' has a leading zero; write 80",
                assertThrows(IllegalArgumentException.class, () -> Forward.parse("8080:080")).getMessage());
        assertEquals("'+80' in '8080:+80' is not a port (1..65535)",
                assertThrows(IllegalArgumentException.class, () -> Forward.parse("8080:+80")).getMessage());
        assertEquals(new Forward(8080, 80, "tcp", "127.0.0.1"), Forward.parse("8080:80"));
    }

    @Test
    void cidrParts() {
        Cidr c = Cidr.parse("10.0.10.0/24");
        assertEquals("10.0.10.0/24", c.toString());
        assertEquals("10.0.10.1", Ipv4.format(c.gateway()));
        assertEquals("10.0.10.255", Ipv4.format(c.broadcast()));
        assertEquals("255.255.255.0", c.netmask());
        assertTrue(c.contains(Ipv4.parse("10.0.10.200")));
        assertFalse(c.contains(Ipv4.parse("10.0.11.1")));
        assertEquals("0.0.0.0/0", Cidr.parse("0.0.0.0/0").toString());
        assertTrue(Cidr.parse("0.0.0.0/0").contains(Ipv4.parse("8.8.8.8")));
    }

    @Test
    void cidrRejectsWithUserFacingMessages() {
        assertEquals("'10.0.10.5/24' has host bits set (did you mean 10.0.10.0/24?)",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.10.5/24")).getMessage());
        assertEquals("'10.0.10.0' is not a CIDR (expected a.b.c.d/prefix)",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.10.0")).getMessage());
        assertEquals("'10.0.10.0/33' has prefix length outside 0..32",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.10.0/33")).getMessage());
    }

    @Test
    void sizes() {
        assertEquals(2L << 30, Size.parse("2G", 1));
        assertEquals(512L << 20, Size.parse("512M", 1));
        assertEquals(512L << 20, Size.parse("512", 1L << 20));
        assertEquals(1536L << 20, Size.parse("1.5G", 1));
        assertEquals(4L << 10, Size.parse("4k", 1));
        assertEquals(2L << 30, Size.parse("2GiB", 1));
        assertEquals(2L << 30, Size.parse("2GB", 1));
        // the spellings of libvirt, Lima and Kubernetes, with or without a space before the unit
        assertEquals(2L << 30, Size.parse("2 GiB", 1));
        assertEquals(2L << 30, Size.parse("2Gi", 1));
        assertEquals(512L << 20, Size.parse("512Mi", 1));
        assertEquals(512L << 20, Size.parse("512 mi", 1));
        assertEquals(4L << 10, Size.parse("4 Ki", 1));
        assertEquals(1L << 40, Size.parse("1Ti", 1));
        assertEquals(1536L << 20, Size.parse("1.5 G", 1));
        assertEquals(4096, Size.parse("4096 B", 1));
        assertEquals(1024L << 20, Size.parse(" 1_024 MB ", 1));
        assertEquals("2G", Size.format(2L << 30));
        assertEquals("3T", Size.format(3L << 40));
        assertEquals("1025K", Size.format(1025L << 10));
        assertEquals("1536M", Size.format(1536L << 20));
        assertEquals("'2X' is not a size (use e.g. 512M, 2G; units K, M, G, T, binary)",
                assertThrows(IllegalArgumentException.class, () -> Size.parse("2X", 1)).getMessage());
        for (String bad : new String[] {"2 X", "2 G B", "2Gii", "2I", "Gi", "2 2G", "2G 2", "2.G", "i"}) {
            assertEquals("'" + bad + "' is not a size (use e.g. 512M, 2G; units K, M, G, T, binary)",
                    assertThrows(IllegalArgumentException.class, () -> Size.parse(bad, 1)).getMessage(), bad);
        }
        assertEquals("size '0' must be positive", assertThrows(IllegalArgumentException.class, () -> Size.parse("0", 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Size.parse("-1G", 1));
        assertThrows(IllegalArgumentException.class, () -> Size.parse("G", 1));
    }

    @Test
    void deterministicMac() {
        // known answer: printf 'lab/web/tap-lab-web0' | sha256sum  ->  2d665f...
        assertEquals("52:54:00:2d:66:5f", Mac.derive("lab", "web", "tap-lab-web0"));
        assertEquals(Mac.derive("lab", "web", "tap-lab-web0"), Mac.derive("lab", "web", "tap-lab-web0"));
        assertFalse(Mac.derive("lab", "web", "tap-lab-web0").equals(Mac.derive("lab", "client", "tap-lab-web0")));
        assertTrue(Mac.derive("x", "y", "z").matches("52:54:00(:[0-9a-f]{2}){3}"));
    }

    @Test
    void macParse() {
        assertEquals("52:54:00:ab:cd:ef", Mac.parse("52:54:00:AB:CD:EF"));
        assertThrows(IllegalArgumentException.class, () -> Mac.parse("52-54-00-ab-cd-ef"));
        assertThrows(IllegalArgumentException.class, () -> Mac.parse("ff:ff:ff:ff:ff:ff"));
        assertThrows(IllegalArgumentException.class, () -> Mac.parse("00:00:00:00:00:00"));
    }

    @Test
    void levenshtein() {
        assertEquals(0, Names.distance("memory", "memory"));
        assertEquals(2, Names.distance("memroy", "memory"));
        assertEquals(3, Names.distance("kitten", "sitting"));
        assertEquals(" (did you mean 'memory'?)", Names.didYouMean("memroy", List.of("cpus", "memory")));
        assertEquals("", Names.didYouMean("colour", List.of("cpus", "memory")));
    }
}
