package meros.core.manifest;

/**
 * One network interface of a VM.
 *
 * @param label  the host tap device's name (≤ 15 characters)
 * @param bridge the bridge it joins (a key of {@link Manifest#bridges()})
 * @param ip     the guest's static address on that bridge, dotted quad
 * @param model  the QEMU NIC model, default {@code virtio-net-pci}
 * @param mac    the MAC address; when the manifest has none, a deterministic one derived from
 *               constellation, VM and label ({@code 52:54:00:xx:xx:xx})
 */
public record Nic(String label, String bridge, String ip, String model, String mac) { }
