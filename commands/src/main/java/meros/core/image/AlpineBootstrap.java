package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.proc.Proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Alpine base roots: download {@code alpine-minirootfs-<ver>-<arch>.tar.gz} and its {@code .sha256} from the mirror,
 * verify, unpack, then {@code apk add} the package set inside the root (chroot).
 */
final class AlpineBootstrap implements Bootstrapper {
    private final Releases.Alpine release;
    private final Hooks.Launcher apk;

    /** @param apk how to run apk inside the root: by default {@code chroot <root> /sbin/apk} */
    AlpineBootstrap(Releases.Alpine release, Hooks.Launcher apk) {
        this.release = release;
        this.apk = apk;
    }

    static final Hooks.Launcher CHROOT_APK = (root, inRoot) -> List.of("chroot", root.toString(), "/sbin/apk");

    @Override
    public void bootstrap(BaseSpec spec, Path tarball, Path work, Step step) {
        try {
            Files.createDirectories(work);
            Path tgz = work.resolve(release.file());
            String url = release.dirUrl() + "/" + release.file();
            step.update("downloading " + url);
            if (!Http.download(spec.mirror(), url, tgz, n -> step.update("downloading " + release.file() + " " + (n >> 10) + " KiB"))) {
                throw MerosException.usage("release '" + release.version() + "' not found on " + spec.mirror() + " (no " + release.file() + ")");
            }
            Path sumFile = work.resolve(release.file() + ".sha256");
            String expected;
            if (Http.download(spec.mirror(), url + ".sha256", sumFile, n -> { })) {
                expected = Files.readString(sumFile).strip().split("\\s+")[0].toLowerCase(Locale.ROOT);
            } else if (release.sha256() != null) {
                expected = release.sha256().toLowerCase(Locale.ROOT);
            } else {
                throw new MerosException(ExitCode.EXTERNAL, "no checksum for " + url + " on " + spec.mirror());
            }
            String actual = Fs.sha256(tgz);
            if (!actual.equals(expected)) {
                throw new MerosException(ExitCode.EXTERNAL, "checksum mismatch for " + release.file() + ": expected " + expected + ", got " + actual);
            }
            Path root = work.resolve("root");
            Files.createDirectories(root);
            step.update("unpacking " + release.file());
            Proc.of("tar", "-C", root.toString(), "--numeric-owner", "-xzpf", tgz.toString()).timeout(Duration.ofMinutes(10)).run();
            Fs.write(root.resolve("etc/apk/repositories"),
                    spec.mirror() + "/" + release.branch() + "/main\n" + spec.mirror() + "/" + release.branch() + "/community\n", "rw-r--r--");
            Path resolv = root.resolve("etc/resolv.conf");
            Files.deleteIfExists(resolv);
            if (Files.isRegularFile(Path.of("/etc/resolv.conf"))) Files.copy(Path.of("/etc/resolv.conf"), resolv);
            List<String> argv = new ArrayList<>(apk.argv(root, "/sbin/apk"));
            argv.addAll(List.of("add", "--no-progress", "--update-cache"));
            argv.addAll(spec.packages());
            Proc.Result r = Proc.of(argv).timeout(Duration.ofMinutes(30)).onLine(step.lines()).call();
            if (!r.ok()) {
                String tail = Proc.tail((r.stdout() + "\n" + r.stderr()).strip(), 3).replace('\n', ' ').strip();
                throw new MerosException(ExitCode.EXTERNAL, "apk add failed in the alpine " + release.version() + " root (exit status " + r.exit() + ")" + (tail.isEmpty() ? "" : ": " + tail));
            }
            Files.deleteIfExists(resolv);
            Fs.deleteQuietly(root.resolve("var/cache/apk"));
            step.update("packing base tarball");
            Proc.of("tar", "-C", root.toString(), "--numeric-owner", "-cpf", tarball.toString(), ".").timeout(Duration.ofMinutes(10)).run();
            Fs.deleteTree(root);
        } catch (IOException e) {
            throw Fs.ioError("bootstrapping alpine " + release.version(), e);
        }
    }

}
