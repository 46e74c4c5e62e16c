package meros.core.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import meros.core.manifest.Bridge;
import meros.core.manifest.Manifest;
import meros.core.manifest.Mount;
import meros.core.manifest.Nic;
import meros.core.manifest.Vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a VM's disk is made from: one SHA-256 ({@link #key()}) over every input that determines the image, and the
 * parts it is computed from, so a difference can be named ({@link #changedSince}). A build records it beside the
 * disk ({@code data/disks/<c>/<vm>.build.json}, {@link Recorded}); {@code init} compares it with the manifest's.
 * <p>
 * The parts, in key order: {@code recipe} ({@link BaseSpec#RECIPE_VERSION} and {@link #COMPOSE_VERSION}),
 * {@code release} (distribution, resolved codename, architecture), {@code mirror}, {@code packages} (the full set,
 * meros's own included), {@code base root} ({@link BaseSpec#key()}), {@code disk_size} (bytes), {@code kernel}
 * (distribution or the VM's own), {@code user}, {@code hostname}, {@code networks} (this VM's NICs and their
 * subnets), {@code mounts} (tag, target, mode), {@code guest configuration} (every file meros generates, with its
 * mode, and the units it enables and masks: this covers {@code /etc/hosts}, which lists the other VMs),
 * {@code includes} (both {@code includes.chroot/} trees: path, type, mode, numeric owner and content or link target,
 * never modification times), {@code hooks} (name and content in run order) and {@code meros's ssh key} (the client
 * public key put into {@code authorized_keys}). Not in the key: what only QEMU's command line uses ({@code memory},
 * {@code cpus}, {@code accel}, {@code kernel_args}, {@code display}, {@code qemu_args}, {@code boot_timeout},
 * {@code forwards}, {@code network} mode). A disk made by {@code build --use} has the part {@code image} (the source
 * image's path) instead of the four base parts.
 *
 * @param parts part name → value (short values verbatim, file contents as SHA-256), in key order
 */
public record BuildKey(Map<String, String> parts) {

    /**
     * Bump when the way meros composes a root from its base changes in a way the generated files do not show (the
     * commands run in the root, the order of the steps, what is put back after includes and hooks, the disk's
     * filesystem options, the script {@code RdInit} puts into the initrd), so disks composed the old way are rebuilt
     * by the next {@code init}. Changes to the generated files themselves need no bump: their content is part of the
     * key.
     */
    public static final int COMPOSE_VERSION = 11;

    /** The format of {@code <vm>.build.json}. */
    public static final int FORMAT = 1;

    /** Parts made redundant in a description when one of the parts they derive from changed. */
    private static final Map<String, Set<String>> DERIVED = Map.of(
            "base root", Set.of("recipe", "release", "mirror", "packages"),
            "guest configuration", Set.of("user", "hostname", "networks", "mounts", "release"));

    public BuildKey {
        parts = Collections.unmodifiableMap(new LinkedHashMap<>(parts));
    }

    /**
     * The key of a VM's image as the manifest now describes it.
     *
     * @param spec      the VM's base (null for a disk made from {@code image})
     * @param image     the source image of {@code build --use} (null for a recipe build)
     * @param clientPub meros's client public key line for the VM (blank when there is none yet)
     */
    public static BuildKey of(Manifest m, Vm vm, BaseSpec spec, Path image, String clientPub) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("recipe", "base " + BaseSpec.RECIPE_VERSION + ", compose " + COMPOSE_VERSION);
        if (spec != null) {
            p.put("release", spec.describe());
            p.put("mirror", spec.mirror());
            p.put("packages", String.join(" ", spec.packages()));
            p.put("base root", spec.key());
        } else {
            p.put("image", String.valueOf(image));
        }
        p.put("disk_size", Long.toString(vm.diskSizeBytes()));
        p.put("kernel", vm.kernel() == null ? "distribution" : "own");
        GuestConfig cfg = new GuestConfig(m, vm);
        p.put("user", cfg.user());
        p.put("hostname", cfg.hostname());
        p.put("networks", networks(m, vm));
        p.put("mounts", mounts(vm));
        p.put("guest configuration", guestConfig(cfg));
        p.put("includes", sha256(tree(m.includes()) + "\n--\n" + tree(m.vmIncludes(vm.name()))));
        p.put("hooks", hooks(m, vm.name()));
        p.put("meros's ssh key", sha256(clientPub == null ? "" : clientPub.strip()));
        return new BuildKey(p);
    }

    /** SHA-256 over every part, in order. */
    public String key() {
        StringBuilder sb = new StringBuilder("meros-build-key=" + FORMAT + "\n");
        for (Map.Entry<String, String> e : parts.entrySet()) sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        return sha256(sb.toString());
    }

    /** The names of the parts that differ from {@code built}'s (a part only one side has counts as changed), in key order. */
    public List<String> changedSince(Map<String, String> built) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : parts.entrySet()) {
            if (!e.getValue().equals(built.get(e.getKey()))) out.add(e.getKey());
        }
        for (String k : built.keySet()) if (!parts.containsKey(k)) out.add(k);
        return out;
    }

    /**
     * What changed, for one line: {@code packages changed}, {@code includes, hooks changed}. A part that follows from
     * another changed one is left out ({@code base root} when the packages changed, {@code guest configuration} when
     * the user did).
     */
    public static String describe(List<String> changed) {
        List<String> shown = new ArrayList<>();
        for (String c : changed) {
            Set<String> from = DERIVED.get(c);
            if (from != null && changed.stream().anyMatch(from::contains)) continue;
            shown.add(c.equals("recipe") ? "meros's recipe" : c);
        }
        if (shown.isEmpty()) shown = changed;
        return String.join(", ", shown) + " changed";
    }

    private static String networks(Manifest m, Vm vm) {
        StringBuilder sb = new StringBuilder();
        for (Nic n : vm.networks() == null ? List.<Nic>of() : vm.networks()) {
            Bridge b = m.bridges().get(n.bridge());
            sb.append(n.label()).append(' ').append(n.bridge()).append(' ').append(n.ip()).append(' ').append(n.mac())
              .append(' ').append(b == null ? "-" : b.subnet()).append(';');
        }
        return sb.toString();
    }

    private static String mounts(Vm vm) {
        StringBuilder sb = new StringBuilder();
        for (Mount mt : vm.mounts()) sb.append(mt.tag()).append(' ').append(mt.target()).append(' ').append(mt.readonly() ? "ro" : "rw").append(';');
        return sb.toString();
    }

    private static String guestConfig(GuestConfig cfg) {
        StringBuilder sb = new StringBuilder();
        for (GuestConfig.File f : cfg.files().values()) {
            sb.append("file ").append(f.path()).append(' ').append(f.mode()).append(' ').append(sha256(f.content())).append('\n');
        }
        sb.append("enable ").append(String.join(" ", cfg.enable())).append('\n');
        sb.append("mask ").append(String.join(" ", cfg.mask())).append('\n');
        sb.append("generators off ").append(String.join(" ", cfg.maskedGenerators())).append('\n');
        if (cfg.alpine()) sb.append("links ").append(cfg.alpineServiceLinks()).append('\n');
        return sha256(sb.toString());
    }

    private static String hooks(Manifest m, String vm) {
        StringBuilder sb = new StringBuilder();
        for (Hooks.Hook h : Hooks.plan(m, vm)) sb.append(h.display()).append(' ').append(fileSha256(h.file())).append('\n');
        return sha256(sb.toString());
    }

    /** One line per entry of an includes tree, sorted by path: type, mode, numeric owner, content hash or link target. */
    static String tree(Path dir) {
        if (!Files.isDirectory(dir)) return "";
        TreeMap<String, String> lines = new TreeMap<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                    lines.put(dir.relativize(d).toString(), "d " + owner(d));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    String what = a.isSymbolicLink() ? "l " + Files.readSymbolicLink(f)
                            : a.isRegularFile() ? "f " + fileSha256(f) : "o";
                    lines.put(dir.relativize(f).toString(), what + " " + owner(f));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw Fs.ioError("reading " + dir, e);
        }
        StringBuilder sb = new StringBuilder();
        lines.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
        return sb.toString();
    }

    private static String owner(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return Integer.toOctalString(mode & 07777) + " " + Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)
                + ":" + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    static String fileSha256(Path f) {
        try {
            return Fs.sha256(f);
        } catch (IOException e) {
            throw Fs.ioError("reading " + f, e);
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code data/disks/<c>/<vm>.build.json}: the key a disk was built with.
     *
     * @param format   {@link #FORMAT}
     * @param key      {@link BuildKey#key()} at build time
     * @param asked    what the release was resolved from (distribution, manifest release, architecture, mirror)
     * @param codename what it resolved to ({@code trixie}); null for {@code build --use}
     * @param image    the source image of {@code build --use}, else null
     * @param parts    {@link BuildKey#parts()} at build time
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Recorded(int format, String key, String asked, String codename, String image, Map<String, String> parts) {
        private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

        /** The record, or null when there is none, or it cannot be read or is of another format. */
        public static Recorded read(Path file) {
            if (!Files.isRegularFile(file)) return null;
            try {
                Recorded r = JSON.readValue(file.toFile(), Recorded.class);
                return r.format() == FORMAT && r.key() != null && r.parts() != null ? r : null;
            } catch (IOException e) {
                return null; // half-written or foreign: no record
            }
        }

        /** Writes the record atomically (temp file + rename). */
        public void write(Path file) {
            try {
                Files.createDirectories(file.getParent());
                Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
                JSON.writeValue(tmp.toFile(), this);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw Fs.ioError("writing " + file, e);
            }
        }
    }

    /** What the release of a VM is resolved from: a record's codename is reused while this stays the same. */
    static String asked(Vm vm, String mirror) {
        String dist = vm.distribution() == null ? "debian" : vm.distribution();
        return dist + " " + (vm.release() == null ? "" : vm.release()) + " " + (vm.arch() == null ? "" : vm.arch()) + " " + mirror.replaceAll("/+$", "");
    }
}
