package meros.core.ssh;

import java.nio.file.Path;

/**
 * Where and as whom to connect: the address from the VM's state, the client key and the recorded host key
 * from {@code data/keys/<c>/<vm>/}.
 *
 * @param label     {@code <constellation>/<vm>} for messages
 * @param clientKey the private key (OpenSSH format) authorized for {@code user} in the guest
 * @param hostKey   the guest's host public key recorded at build time; the only key accepted
 */
public record SshTarget(String label, String host, int port, String user, Path clientKey, Path hostKey) {

    public SshTarget withUser(String u) { return new SshTarget(label, host, port, u, clientKey, hostKey); }

    public String where() { return user + "@" + host + ":" + port; }
}
