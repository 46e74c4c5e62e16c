package meros.core.manifest;

import java.util.Collection;
import java.util.Map;

/**
 * The names other tools give meros's manifest keys and values: what a Vagrantfile, a Lima or docker-compose YAML file,
 * libvirt's domain XML or cloud-init call them. An unknown key or value that is one of them is answered with the
 * meros name, however far the spelling ({@code ram} → {@code memory}, {@code synced_folders} → {@code mounts},
 * libvirt's NIC model {@code virtio} → {@code virtio-net-pci}).
 */
final class Synonyms {
    private Synonyms() { }

    /** Key → meros key; a suggestion only where the meros key is allowed in that mapping. */
    static final Map<String, String> KEYS = Map.ofEntries(
            // a VM
            Map.entry("mem", "memory"), Map.entry("ram", "memory"), Map.entry("memory_mb", "memory"),
            Map.entry("memory_size", "memory"), Map.entry("vcpus", "cpus"), Map.entry("vcpu", "cpus"),
            Map.entry("cpu", "cpus"), Map.entry("smp", "cpus"), Map.entry("cores", "cpus"),
            Map.entry("disk", "disk_size"), Map.entry("disksize", "disk_size"), Map.entry("disk_gb", "disk_size"),
            Map.entry("os", "distribution"), Map.entry("distro", "distribution"), Map.entry("version", "release"),
            Map.entry("nics", "networks"), Map.entry("interfaces", "networks"),
            Map.entry("synced_folders", "mounts"), Map.entry("shared_folders", "mounts"), Map.entry("volumes", "mounts"),
            Map.entry("shares", "mounts"), Map.entry("ports", "forwards"), Map.entry("port_forwards", "forwards"),
            Map.entry("forwarded_ports", "forwards"), Map.entry("port_forwarding", "forwards"),
            Map.entry("portforwards", "forwards"), Map.entry("username", "user"), Map.entry("login", "user"),
            Map.entry("cmdline", "kernel_args"), Map.entry("append", "kernel_args"), Map.entry("machine", "arch"),
            // a bridge
            Map.entry("cidr", "subnet"), Map.entry("range", "subnet"), Map.entry("policy", "policy_type"),
            Map.entry("ips", "allowed_ips"),
            // a NIC
            Map.entry("name", "label"), Map.entry("ip", "ip_addr"), Map.entry("address", "ip_addr"),
            Map.entry("ipv4", "ip_addr"), Map.entry("type", "model"), Map.entry("mac_address", "mac"),
            Map.entry("macaddr", "mac"), Map.entry("hwaddr", "mac"), Map.entry("switch", "bridge"),
            // a mount
            Map.entry("src", "source"), Map.entry("host_path", "source"), Map.entry("location", "source"),
            Map.entry("from", "source"), Map.entry("dest", "target"), Map.entry("destination", "target"),
            Map.entry("guest_path", "target"), Map.entry("mount_point", "target"), Map.entry("mountpoint", "target"),
            Map.entry("to", "target"), Map.entry("read_only", "readonly"), Map.entry("ro", "readonly"),
            Map.entry("writable", "readonly"),
            // a forward
            Map.entry("host_port", "host"), Map.entry("hostport", "host"), Map.entry("guest_port", "guest"),
            Map.entry("guestport", "guest"), Map.entry("proto", "protocol"), Map.entry("host_ip", "address"),
            Map.entry("bind", "address"), Map.entry("listen", "address"));

    /** Value → meros value, for keys with a fixed set of values. */
    static final Map<String, String> VALUES = Map.ofEntries(
            Map.entry("virtio", "virtio-net-pci"), Map.entry("virtio-net", "virtio-net-pci"),
            Map.entry("qemu", "tcg"), Map.entry("hvf", "kvm"), Map.entry("whpx", "kvm"),
            Map.entry("headless", "none"), Map.entry("nographic", "none"));

    /**
     * @param wrong   the key or value given
     * @param table   {@link #KEYS} or {@link #VALUES}
     * @param allowed what may be given there
     * @return {@code " (did you mean 'X'?)"} when {@code wrong} is another tool's name for an allowed X, else ""
     */
    static String hint(String wrong, Map<String, String> table, Collection<String> allowed) {
        String meant = table.get(wrong);
        return meant != null && allowed.contains(meant) && !meant.equals(wrong) ? " (did you mean '" + meant + "'?)" : "";
    }
}
