package meros.core.image;

import meros.core.base.Home;
import meros.core.base.TextFiles;
import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The SSH keys of a VM under {@code data/keys/<c>/<vm>/}: the client pair {@code id_ed25519} (0600, reused
 * when present) and {@code ssh_host_ed25519_key.pub}, the public half of the host key generated at build time.
 */
public final class Keys {
    private final Path dir;

    public Keys(Home home, String constellation, String vm) {
        this.dir = home.keys().resolve(constellation).resolve(vm);
    }

    public Path dir() { return dir; }
    public Path clientKey() { return dir.resolve("id_ed25519"); }
    public Path clientPub() { return dir.resolve("id_ed25519.pub"); }
    public Path hostPub() { return dir.resolve("ssh_host_ed25519_key.pub"); }

    /** Creates the client key pair unless both halves exist; returns the public key line. */
    public String ensureClientKey(String comment) {
        try {
            if (!Files.isRegularFile(clientKey()) || !Files.isRegularFile(clientPub())) {
                BuildTools.require("ssh-keygen");
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                Path tmp = Files.createTempDirectory(dir, ".keygen");
                try {
                    Path k = tmp.resolve("id_ed25519");
                    Proc.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", k.toString()).run();
                    Files.setPosixFilePermissions(k, PosixFilePermissions.fromString("rw-------"));
                    Files.setPosixFilePermissions(tmp.resolve("id_ed25519.pub"), PosixFilePermissions.fromString("rw-------"));
                    Files.move(tmp.resolve("id_ed25519.pub"), clientPub(), StandardCopyOption.REPLACE_EXISTING);
                    Files.move(k, clientKey(), StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Fs.deleteQuietly(tmp);
                }
            }
            return TextFiles.read(clientPub()).strip();
        } catch (IOException e) {
            throw Fs.ioError("creating the client key in " + dir, e);
        }
    }

    /** Generates a fresh ed25519 host key pair into {@code into} ({@code ssh_host_ed25519_key} + {@code .pub}). */
    public static void generateHostKey(Path into, String comment) {
        BuildTools.require("ssh-keygen");
        try {
            Files.createDirectories(into);
            Path k = into.resolve("ssh_host_ed25519_key");
            Files.deleteIfExists(k);
            Files.deleteIfExists(into.resolve("ssh_host_ed25519_key.pub"));
            Proc.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", k.toString()).run();
        } catch (IOException e) {
            throw Fs.ioError("generating the host key", e);
        }
    }
}
