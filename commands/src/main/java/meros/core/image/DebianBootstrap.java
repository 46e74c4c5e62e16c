package meros.core.image;

import meros.core.ExitCode;
import meros.core.MerosException;
import meros.core.host.Binfmt;
import meros.core.proc.Proc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Debian base roots with {@code mmdebstrap} (straight to a tarball), or {@code debootstrap} when that is all the host has. */
final class DebianBootstrap implements Bootstrapper {
    private static final Pattern MISSING_PKG = Pattern.compile("Unable to locate package (\\S+)|Package '?([^' ]+)'? has no installation candidate|Couldn't find package (\\S+)");

    /** Documentation and translations are left out of the base: smaller images, faster builds. */
    static final List<String> DPKG_EXCLUDES = List.of(
            "path-exclude=/usr/share/man/*", "path-exclude=/usr/share/doc/*", "path-include=/usr/share/doc/*/copyright",
            "path-exclude=/usr/share/info/*", "path-exclude=/usr/share/locale/*", "path-include=/usr/share/locale/locale.alias",
            "path-exclude=/usr/share/lintian/*");

    /** How long a native bootstrap may take. */
    static final Duration NATIVE_DEADLINE = Duration.ofMinutes(60);
    /**
     * How long a foreign-architecture bootstrap may take: every maintainer script runs under qemu-user (an arm64
     * base took over 60 min on 2 cores shared with other builds).
     */
    static final Duration FOREIGN_DEADLINE = Duration.ofHours(6);

    private final boolean preferMmdebstrap;

    DebianBootstrap(boolean preferMmdebstrap) { this.preferMmdebstrap = preferMmdebstrap; }

    static List<String> mmdebstrapArgv(BaseSpec spec, Path tarball) {
        List<String> a = new ArrayList<>(List.of("mmdebstrap", "--verbose", "--variant=apt", "--architectures=" + spec.arch(),
                "--include=" + String.join(",", spec.packages()),
                "--dpkgopt=force-unsafe-io", "--aptopt=Acquire::Retries \"3\""));
        for (String x : DPKG_EXCLUDES) a.add("--dpkgopt=" + x);
        a.addAll(List.of(spec.codename(), tarball.toString(), spec.mirror()));
        return a;
    }

    static List<String> debootstrapArgv(BaseSpec spec, Path dir) {
        return List.of("debootstrap", "--variant=minbase", "--arch=" + spec.arch(),
                "--include=" + String.join(",", spec.packages()), spec.codename(), dir.toString(), spec.mirror());
    }

    static Duration deadline(BaseSpec spec) {
        return Binfmt.isNative(spec.arch()) ? NATIVE_DEADLINE : FOREIGN_DEADLINE;
    }

    @Override
    public void bootstrap(BaseSpec spec, Path tarball, Path work, Step step) {
        Proc.Result r;
        if (preferMmdebstrap && Proc.onPath("mmdebstrap")) {
            r = Proc.of(mmdebstrapArgv(spec, tarball)).timeout(deadline(spec)).onLine(step.lines()).call();
            check(spec, r);
        } else {
            if (!Proc.onPath("debootstrap")) {
                throw new MerosException(ExitCode.MISSING_TOOL, "neither mmdebstrap nor debootstrap found: install the Debian package 'mmdebstrap' (apt-get install mmdebstrap)");
            }
            Path dir = work.resolve("debootstrap-root");
            r = Proc.of(debootstrapArgv(spec, dir)).timeout(deadline(spec)).onLine(step.lines()).call();
            check(spec, r);
            step.update("packing base tarball");
            Proc.of("apt-get", "-o", "Dir=" + dir, "clean").timeout(Duration.ofMinutes(1)).call();
            Proc.of("tar", "-C", dir.toString(), "--numeric-owner", "--xattrs", "-cpf", tarball.toString(), ".")
                .timeout(Duration.ofMinutes(20)).run();
            Fs.deleteTree(dir);
        }
    }

    private static void check(BaseSpec spec, Proc.Result r) {
        if (r.ok()) return;
        String all = r.stdout() + "\n" + r.stderr();
        Matcher m = MISSING_PKG.matcher(all);
        if (m.find()) {
            String pkg = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            throw MerosException.usage("package '" + pkg + "' not found in debian " + spec.codename() + " " + spec.arch() + " on " + spec.mirror());
        }
        if (Fs.isNoSpace(new RuntimeException(all))) {
            throw new MerosException(ExitCode.FAILED, "no space left on device while bootstrapping " + spec.describe());
        }
        String tail = Proc.tail(all, 3).replace('\n', ' ').strip();
        throw new MerosException(ExitCode.EXTERNAL, r.argv().get(0) + " failed for " + spec.describe() + " (exit status " + r.exit() + ")" + (tail.isEmpty() ? "" : ": " + tail));
    }
}
