package meros.core.manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * sshd settings in a tree (an {@code includes.chroot/} or a built root) that would lock meros out of its VM: meros logs
 * in with its own key from {@code ~/.ssh/authorized_keys} and configures sshd through a drop-in in
 * {@code /etc/ssh/sshd_config.d/} (sshd uses the first value it reads for a setting, and Debian's {@code sshd_config}
 * reads the drop-ins first, through its {@code Include} line). Refused: an {@code sshd_config} without an {@code Include}
 * of {@code sshd_config.d}, {@code PubkeyAuthentication no}, and an {@code AuthorizedKeysFile} that leaves out
 * {@code .ssh/authorized_keys}.
 */
public final class SshdChecks {
    private SshdChecks() { }

    /** Problems of the sshd configuration under {@code tree} (its {@code etc/ssh/}), one line each, naming the file relative to the tree. */
    public static List<String> problems(Path tree) {
        List<String> out = new ArrayList<>();
        Path main = tree.resolve("etc/ssh/sshd_config");
        for (Path f : files(tree)) {
            String shown = tree.relativize(f).toString();
            List<String> lines = lines(f);
            boolean includesDropins = false;
            for (String raw : lines) {
                String l = raw.strip();
                if (l.isEmpty() || l.startsWith("#")) continue;
                String[] kv = l.split("[\\s=]+", 2);
                String key = kv[0].toLowerCase(Locale.ROOT);
                String value = kv.length > 1 ? kv[1].strip() : "";
                if (key.equals("match")) break; // settings below Match apply to some connections only
                switch (key) {
                    case "include" -> includesDropins |= value.contains("sshd_config.d");
                    case "pubkeyauthentication" -> {
                        if (value.equalsIgnoreCase("no")) out.add(shown + ": 'PubkeyAuthentication no' turns off the key login meros uses");
                    }
                    case "authorizedkeysfile" -> {
                        if (!List.of(value.split("\\s+")).stream().anyMatch(v -> v.equals(".ssh/authorized_keys") || v.equals("%h/.ssh/authorized_keys"))) {
                            out.add(shown + ": 'AuthorizedKeysFile " + value + "' leaves out .ssh/authorized_keys, where meros puts its key");
                        }
                    }
                    default -> { }
                }
            }
            if (f.equals(main) && !includesDropins) {
                out.add(shown + " replaces sshd's configuration without 'Include /etc/ssh/sshd_config.d/*.conf', so meros's"
                        + " settings (its pinned host key, key-only logins) would be lost: add that line at its top,"
                        + " or put your settings in etc/ssh/sshd_config.d/ instead");
            }
        }
        return out;
    }

    /**
     * The {@code ListenAddress} values of the sshd configuration under {@code tree} (sshd_config(5); the keyword is not
     * allowed below {@code Match}), in file order; empty when sshd listens on the wildcard addresses.
     */
    public static List<String> listenAddresses(Path tree) {
        List<String> out = new ArrayList<>();
        for (Path f : files(tree)) {
            for (String raw : lines(f)) {
                String l = raw.strip();
                if (l.isEmpty() || l.startsWith("#")) continue;
                String[] kv = l.split("[\\s=]+", 2);
                if (kv[0].equalsIgnoreCase("listenaddress") && kv.length > 1) out.add(kv[1].strip());
            }
        }
        return out;
    }

    /** {@code etc/ssh/sshd_config} and the {@code .conf} files of {@code etc/ssh/sshd_config.d/} under {@code tree}, in the order sshd reads them. */
    private static List<Path> files(Path tree) {
        List<Path> files = new ArrayList<>();
        Path main = tree.resolve("etc/ssh/sshd_config");
        if (Files.isRegularFile(main, LinkOption.NOFOLLOW_LINKS)) files.add(main);
        Path dropins = tree.resolve("etc/ssh/sshd_config.d");
        if (Files.isDirectory(dropins, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.list(dropins)) {
                s.filter(p -> p.getFileName().toString().endsWith(".conf") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                 .sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    private static List<String> lines(Path f) {
        try {
            return Files.readAllLines(f, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
