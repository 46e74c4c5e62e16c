package meros.core.manifest;

import java.util.List;

/** A bridge of the constellation: the host side takes the subnet's first address (the VMs' gateway). */
public record Bridge(String name, Cidr subnet, PolicyType policy, List<Integer> allowedPorts, List<Cidr> allowedIps) {

    public enum PolicyType {
        HOST_ACCESS("host-access"), ISOLATED("isolated");
        public final String yaml;
        PolicyType(String yaml) { this.yaml = yaml; }
        public static PolicyType fromYaml(String s) {
            for (PolicyType p : values()) if (p.yaml.equals(s)) return p;
            return null;
        }
    }

    public String gateway() { return Ipv4.format(subnet.gateway()); }
}
