package meros.core.ssh;

import meros.core.base.MerosException;
import meros.core.base.TextFiles;
import net.schmizz.sshj.common.Buffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;

/** OpenSSH public keys as recorded at build time: parsing, wire blobs and SHA256 fingerprints. */
public final class HostKeys {
    private HostKeys() { }

    /** A public key line ({@code ssh-ed25519 AAAA... comment}) split into its type and wire blob. */
    public record Recorded(String type, byte[] blob, Path file) {
        public String fingerprint() { return HostKeys.fingerprint(blob); }
    }

    public static Recorded read(Path pub) {
        String text;
        try {
            text = TextFiles.read(pub).strip();
        } catch (IOException e) {
            throw MerosException.failed("no recorded host key " + pub + " (was the VM built? " + e.getClass().getSimpleName() + ")");
        }
        String[] parts = text.split("\\s+");
        if (parts.length < 2) throw MerosException.failed(pub + ": not an OpenSSH public key line");
        try {
            return new Recorded(parts[0], Base64.getDecoder().decode(parts[1]), pub);
        } catch (IllegalArgumentException e) {
            throw MerosException.failed(pub + ": the key is not valid base64");
        }
    }

    public static byte[] blob(PublicKey key) {
        return new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    }

    /** {@code SHA256:<base64 without padding>}, the format {@code ssh-keygen -l} prints. */
    public static String fingerprint(byte[] blob) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String fingerprint(PublicKey key) { return fingerprint(blob(key)); }
}
