package meros.core.net;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which process is a bridge's dnsmasq: by the program's file name and its pidfile, whether it was started by name or by
 * its path (meros starts a program found only in /usr/sbin by its path; init then took a running dnsmasq for ended,
 * started another on the same address and failed with "Address already in use").
 */
class DnsProcessTest {
    static final Path PF = Path.of("/d/state/lab/dns-labnet.pid");

    @Test
    void dnsmasqIsKnownByItsFileNameAndPidfile() {
        assertTrue(Dns.isDnsmasq(new String[] {"dnsmasq", "--conf-file=/dev/null", "--pid-file=" + PF}, PF));
        assertTrue(Dns.isDnsmasq(new String[] {"/usr/sbin/dnsmasq", "--conf-file=/dev/null", "--pid-file=" + PF}, PF));
        assertFalse(Dns.isDnsmasq(new String[] {"/usr/sbin/dnsmasq", "--pid-file=/d/state/lab/dns-other.pid"}, PF), "another bridge's");
        assertFalse(Dns.isDnsmasq(new String[] {"/usr/bin/sleep", "--pid-file=" + PF}, PF), "another program");
        assertFalse(Dns.isDnsmasq(new String[] {"dnsmasq-wrapper", "--pid-file=" + PF}, PF));
        assertFalse(Dns.isDnsmasq(new String[] {""}, PF));
        assertFalse(Dns.isDnsmasq(new String[0], PF));
    }
}
