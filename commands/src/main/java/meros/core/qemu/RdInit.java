package meros.core.qemu;

import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * meros's own init for the distribution initrd: a short script run instead of the initrd's {@code /init}
 * ({@code rdinit=/meros-init}, kernel-parameters.txt) that loads the initrd's listed modules, mounts
 * {@code root=} and hands over to the root's init, without the udev start, coldplug and settle that Debian's
 * initramfs-tools init does first (about 1.4 s of a TCG boot). Anything it does not handle (a root that is not a
 * {@code /dev} path, {@code break=}, {@code resume=}, {@code debug}, a missing tool, a failed mount) goes to the
 * initrd's own {@code /init} unchanged.
 *
 * <p>The script travels in an uncompressed newc cpio placed in front of the distribution's initrd: the kernel unpacks
 * concatenated archives in order (Documentation/driver-api/early-userspace/buffer-format.rst), and a file only this
 * segment has is never overwritten by the ones after it. One more archive, at the initrd's end, replaces the initrd's
 * {@code /sbin/modprobe} link so that the kernel's own module requests fail at once until an init has mounted
 * {@code /proc} ({@link #modprobeRedirect}).
 */
public final class RdInit {
    private RdInit() { }

    /** Where the script lies in the initramfs, and the value of {@code rdinit=}. */
    public static final String PATH = "/meros-init";

    /** The script (POSIX sh as klibc's {@code sh} runs it; uses klibc's {@code run-init} and kmod's {@code modprobe}). */
    static final String SCRIPT = """
            #!/bin/sh
            # meros-init: mounts the root the short way; anything unusual goes to the initrd's own /init
            export PATH=/usr/sbin:/usr/bin:/sbin:/bin
            fallback() {
              echo "meros-init: $1; continuing with the initrd's /init"
              umount /sys 2>/dev/null; umount /proc 2>/dev/null; umount /dev 2>/dev/null
              exec /init
            }
            mkdir -p /dev /proc /sys /root
            mount -t devtmpfs -o nosuid,mode=0755 udev /dev || fallback "cannot mount devtmpfs"
            mount -t proc -o nodev,noexec,nosuid proc /proc || fallback "cannot mount /proc"
            mount -t sysfs -o nodev,noexec,nosuid sysfs /sys || fallback "cannot mount /sys"
            root=; mode=-r; fstype=ext4; flags=; init=/sbin/init; ip=
            for x in $(cat /proc/cmdline); do
              case "$x" in
                root=/dev/*) root=${x#root=} ;;
                root=*) fallback "root is not a device path" ;;
                rootfstype=*) fstype=${x#rootfstype=} ;;
                rootflags=*) flags=${x#rootflags=} ;;
                rw) mode=-w ;;
                ro) mode=-r ;;
                init=*) init=${x#init=} ;;
                meros.ip=*) ip=${x#meros.ip=} ;;
                break|break=*|resume=*|debug|debug=*) fallback "$x asked for" ;;
              esac
            done
            [ -n "$root" ] || fallback "no root= on the kernel command line"
            command -v run-init >/dev/null 2>&1 || fallback "run-init missing"
            command -v modprobe >/dev/null 2>&1 || fallback "modprobe missing"
            # the NIC's driver, carried in this archive, loads beside the initrd's modules (on another vCPU)
            ( for m in $(cat /meros/modules 2>/dev/null); do /meros/insmod "/meros/$m" 2>/dev/null; done ) &
            nic=$!
            # one modprobe for all of /conf/modules (a line with parameters gets its own): each run costs ~0.1 s under TCG
            mods=
            if [ -f /conf/modules ]; then
              while read -r m args; do
                case "$m" in ""|"#"*) continue ;; esac
                if [ -n "$args" ]; then modprobe -q -b "$m" $args; else mods="$mods $m"; fi
              done < /conf/modules
            fi
            [ -z "$mods" ] || modprobe -q -b -a $mods
            wait $nic
            if [ -n "$ip" ]; then
              # meros.ip=MAC,ADDRESS,NETMASK,GATEWAY: that NIC gets its address before the root's udev names it
              mac=${ip%%,*}; rest=${ip#*,}; addr=${rest%%,*}; rest=${rest#*,}; mask=${rest%%,*}; gw=${rest#*,}; dev=
              for d in /sys/class/net/*; do [ "$(cat "$d/address" 2>/dev/null)" = "$mac" ] && dev=${d##*/}; done
              [ -n "$dev" ] && ipconfig -c none -d "$addr::$gw:$mask::$dev:off" >/dev/null 2>&1
            fi
            i=0
            while [ ! -b "$root" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            [ -b "$root" ] || fallback "$root did not appear"
            if [ -n "$flags" ]; then mount -t "$fstype" $mode -o "$flags" "$root" /root || fallback "cannot mount $root"
            else mount -t "$fstype" $mode "$root" /root || fallback "cannot mount $root"; fi
            [ -x "/root$init" ] || [ -L "/root$init" ] || { umount /root; fallback "no $init in $root"; }
            mount -n -o move /dev /root/dev
            mount -n -o move /sys /root/sys
            mount -n -o move /proc /root/proc
            exec run-init /root "$init" "$@" <>/root/dev/console >&0 2>&0
            """;

    /** newc magic and the name field as they begin the segment {@link #prepend} writes. */
    private static final byte[] MAGIC = "070701".getBytes(StandardCharsets.US_ASCII);
    private static final int NEWC_HEADER = 110;

    /**
     * The cpio segment: {@link #SCRIPT} as {@link #PATH}; with {@code modules}, each of them under {@code /meros/},
     * their load order in {@code /meros/modules} and {@code /meros/insmod}, a link to the initrd's kmod (which hands
     * a compressed module to the kernel to decompress).
     */
    static byte[] segment(List<Path> modules) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(buf, CpioConstants.FORMAT_NEW,
                CpioConstants.BLOCK_SIZE, StandardCharsets.US_ASCII.name())) {
            long[] inode = {1};
            add(cpio, PATH.substring(1), CpioConstants.C_ISREG | 0755, SCRIPT.getBytes(StandardCharsets.UTF_8), inode);
            if (!modules.isEmpty()) {
                add(cpio, "meros", CpioConstants.C_ISDIR | 0755, new byte[0], inode);
                StringBuilder order = new StringBuilder();
                for (Path m : modules) {
                    add(cpio, "meros/" + m.getFileName(), CpioConstants.C_ISREG | 0644, Files.readAllBytes(m), inode);
                    order.append(m.getFileName()).append('\n');
                }
                add(cpio, "meros/modules", CpioConstants.C_ISREG | 0644, order.toString().getBytes(StandardCharsets.US_ASCII), inode);
                add(cpio, "meros/insmod", CpioConstants.C_ISLNK | 0777, "/usr/bin/kmod".getBytes(StandardCharsets.US_ASCII), inode);
            }
            cpio.finish();
        }
        return buf.toByteArray();
    }

    private static void add(CpioArchiveOutputStream cpio, String name, int mode, byte[] body, long[] inode) throws IOException {
        CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name, body.length);
        e.setMode(mode);
        e.setNumberOfLinks((mode & CpioConstants.S_IFMT) == CpioConstants.C_ISDIR ? 2 : 1);
        e.setInode(inode[0]++);
        cpio.putArchiveEntry(e);
        cpio.write(body);
        cpio.closeArchiveEntry();
    }

    /**
     * The files of kernel module {@code name} and of the modules it depends on, in load order, as {@code modules.dep}
     * of kernel {@code version} in {@code root} lists them ({@code depmod(8)}: a module's dependencies follow it,
     * each after the ones it needs). Empty when the module is built in or absent.
     *
     * @throws IOException when {@code modules.dep} exists but cannot be read
     */
    public static List<Path> moduleFiles(Path root, String version, String name) throws IOException {
        Path dir = root.resolve("usr/lib/modules").resolve(version);
        if (!Files.isDirectory(dir)) dir = root.resolve("lib/modules").resolve(version);
        Path dep = dir.resolve("modules.dep");
        if (!Files.isRegularFile(dep)) return List.of();
        for (String line : Files.readAllLines(dep, StandardCharsets.UTF_8)) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String file = line.substring(0, colon);
            String base = file.substring(file.lastIndexOf('/') + 1);
            if (!base.equals(name + ".ko") && !base.startsWith(name + ".ko.")) continue;
            List<Path> order = new ArrayList<>();
            String[] deps = line.substring(colon + 1).trim().split("\\s+");
            for (int i = deps.length - 1; i >= 0; i--) if (!deps[i].isEmpty()) order.add(dir.resolve(deps[i]));
            order.add(dir.resolve(file));
            for (Path p : order) if (!Files.isRegularFile(p)) return List.of();
            return order;
        }
        return List.of();
    }

    /**
     * Puts the {@link #PATH} segment in front of {@code initrd} (any initramfs: compressed or not, one archive or
     * several), replacing the file through a temporary sibling; a gzip-compressed archive at its end is written
     * uncompressed ({@link #writeInflated}). An initrd that already starts with the segment is left alone.
     *
     * @throws IOException when the initrd cannot be read or rewritten
     */
    public static void prepend(Path initrd) throws IOException { prepend(initrd, List.of()); }

    /**
     * As {@link #prepend(Path)}, with {@code modules} (files, in load order) for the script to load before it mounts
     * the root: the NIC's driver, so {@code meros.ip=} can configure it. When the initrd's {@code /sbin/modprobe} is
     * a link to kmod, an archive at its end makes it one that resolves only once {@code /proc} is mounted
     * ({@link #modprobeRedirect}).
     */
    public static void prepend(Path initrd, List<Path> modules) throws IOException {
        if (present(initrd)) return;
        Path tmp = initrd.resolveSibling(initrd.getFileName() + ".rdinit.tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(segment(modules));
                writeInflated(initrd, out);
            }
            byte[] redirect = modprobeRedirect(tmp);
            if (redirect != null) Files.write(tmp, redirect, StandardOpenOption.APPEND);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(initrd));
        Files.move(tmp, initrd, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The kernel's path for its own module requests ({@code CONFIG_MODPROBE_PATH}; Debian's kernels keep the default). */
    static final String KERNEL_MODPROBE = "sbin/modprobe";

    /** The link into the process's own root, present only while {@code /proc} is mounted (proc(5)). */
    static final String PROC_ROOT = "/proc/self/root/";

    /**
     * The archive that redirects the kernel's module requests before any init runs, or null when {@code initrd} (as
     * the kernel would unpack it, later archives over earlier ones) has no {@code /sbin/modprobe} that is a link to a
     * regular file, or its archives cannot all be read uncompressed.
     *
     * <p>While the kernel initialises, built-in code asks for modules (the crypto API for every algorithm it looks
     * up: {@code crypto-hmac(sha256)}, ...). Each request runs {@code /sbin/modprobe} from the initramfs and waits for
     * it (kernel/module/kmod.c); kmod starts (with its libcrypto), finds nothing to load and exits. Under TCG this
     * took {@code init_encrypted} 826 ms and {@code crypto_kdf108_init} 341 ms of the boot. The archive replaces the
     * link (Debian: {@code usr/sbin/modprobe -> ../bin/kmod}) with {@code /proc/self/root/usr/bin/kmod}: until an
     * init mounts {@code /proc} the link dangles and each request fails at its {@code exec} (the two initcalls then
     * took 22 and 40 ms); after, it is kmod under the name {@code modprobe}, for meros-init and initramfs-tools'
     * {@code /init} alike, which both mount {@code /proc} before they load a module. The root's own
     * {@code /sbin/modprobe} is untouched.
     */
    static byte[] modprobeRedirect(Path initrd) throws IOException {
        Map<String, String> links = new HashMap<>();
        Set<String> files = new HashSet<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(initrd), 1 << 16)) {
            if (!readArchives(in, links, files)) return null;
        } catch (EOFException e) {
            return null; // a truncated archive: the kernel stops there too, and meros leaves it as it is
        }
        String at = resolve(KERNEL_MODPROBE, links, false);
        String kmod = resolve(KERNEL_MODPROBE, links, true);
        if (at == null || kmod == null || !links.containsKey(at) || !files.contains(kmod)) return null;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(buf, CpioConstants.FORMAT_NEW,
                CpioConstants.BLOCK_SIZE, StandardCharsets.US_ASCII.name())) {
            add(cpio, at, CpioConstants.C_ISLNK | 0777, (PROC_ROOT + kmod).getBytes(StandardCharsets.US_ASCII), new long[] {1});
            cpio.finish();
        }
        return buf.toByteArray();
    }

    /**
     * Reads every newc archive of {@code in} in turn (zero padding between them), noting each entry as the kernel
     * would leave it: a link's target in {@code links}, a regular file's name in {@code files}, later entries
     * replacing earlier ones. False when something other than a newc archive follows (compressed data).
     */
    private static boolean readArchives(InputStream in, Map<String, String> links, Set<String> files) throws IOException {
        byte[] header = new byte[NEWC_HEADER];
        while (true) {
            in.mark(4);
            int first;
            while ((first = in.read()) == 0) in.mark(4); // padding after a trailer
            if (first < 0) return true;
            in.reset();
            if (in.readNBytes(header, 0, NEWC_HEADER) < NEWC_HEADER) return false;
            if (!newcMagic(header, 0)) return false;
            long mode = hex(header, 14);
            long size = hex(header, 54);
            long nameSize = hex(header, 94);
            if (mode < 0 || size < 0 || nameSize < 1 || nameSize > 4096) return false;
            byte[] raw = in.readNBytes((int) nameSize);
            if (raw.length < nameSize) return false;
            String name = normalize(new String(raw, 0, raw.length - 1, StandardCharsets.UTF_8));
            in.skipNBytes(align4(NEWC_HEADER + nameSize) - NEWC_HEADER - nameSize);
            if (name.equals("TRAILER!!!")) continue;
            links.remove(name);
            files.remove(name);
            if ((mode & CpioConstants.S_IFMT) == CpioConstants.C_ISLNK && size <= 4096) {
                byte[] target = in.readNBytes((int) size);
                if (target.length < size) return false;
                links.put(name, new String(target, StandardCharsets.UTF_8));
            } else {
                if ((mode & CpioConstants.S_IFMT) == CpioConstants.C_ISREG) files.add(name);
                in.skipNBytes(size);
            }
            in.skipNBytes(align4(size) - size);
        }
    }

    private static String normalize(String name) {
        String n = name;
        while (n.startsWith("./") || n.startsWith("/")) n = n.substring(n.startsWith("/") ? 1 : 2);
        return n;
    }

    /**
     * {@code path} (relative to the archive's root) with every link on the way followed, the last one only when
     * {@code followLast}; null when a link loops or more than 40 are followed (path_resolution(7)). Only links are
     * looked up: a name that is neither a link nor anything else is returned as it is.
     */
    static String resolve(String path, Map<String, String> links, boolean followLast) {
        Deque<String> todo = new ArrayDeque<>(List.of(path.split("/")));
        List<String> done = new ArrayList<>();
        int followed = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (!done.isEmpty()) done.remove(done.size() - 1);
                continue;
            }
            done.add(c);
            String target = links.get(String.join("/", done));
            if (target == null || (!followLast && todo.isEmpty())) continue;
            if (++followed > 40) return null;
            done.remove(done.size() - 1);
            if (target.startsWith("/")) done.clear();
            List<String> parts = List.of(target.split("/"));
            for (int i = parts.size() - 1; i >= 0; i--) todo.addFirst(parts.get(i));
        }
        return String.join("/", done);
    }

    /**
     * Copies {@code initrd} to {@code out} with a gzip-compressed archive at its end written uncompressed: its
     * leading uncompressed newc archives (early microcode, modules) as they are, then, when the rest is a gzip stream
     * (mkinitramfs falls back to gzip in a root without {@code zstd}), that stream decompressed; any other rest
     * (zstd, xz, lz4, or nothing) is copied unchanged. The kernel unpacks an uncompressed archive as it unpacks a
     * compressed one (buffer-format.rst); under TCG inflating the 33 MB of Debian's initramfs took 0.4-0.6 s of the
     * kernel's start, during which every module request of the built-in drivers waits (a request runs modprobe from the
     * initramfs, so it waits until the initramfs is unpacked).
     */
    static void writeInflated(Path initrd, OutputStream out) throws IOException {
        byte[] all = Files.readAllBytes(initrd);
        int rest = afterUncompressedArchives(all);
        out.write(all, 0, rest);
        if (rest + 2 <= all.length && (all[rest] & 0xff) == 0x1f && (all[rest + 1] & 0xff) == 0x8b) {
            try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(all, rest, all.length - rest), 1 << 16)) {
                gz.transferTo(out);
            }
        } else {
            out.write(all, rest, all.length - rest);
        }
    }

    /**
     * The offset after the uncompressed newc archives {@code initrd} starts with (0 when it starts with none): each
     * archive's entries up to {@code TRAILER!!!}, then the zero padding before the next archive.
     */
    static int afterUncompressedArchives(byte[] initrd) {
        int at = 0;
        int end = 0;
        while (at + NEWC_HEADER <= initrd.length && newcMagic(initrd, at)) {
            long size = hex(initrd, at + 54);
            long nameSize = hex(initrd, at + 94);
            if (size < 0 || nameSize < 1) return end; // not a newc header after all
            String name = new String(initrd, at + NEWC_HEADER, (int) Math.min(nameSize - 1, initrd.length - at - NEWC_HEADER),
                    StandardCharsets.US_ASCII);
            long next = align4(align4(at + NEWC_HEADER + nameSize) + size);
            if (next > initrd.length) return end; // a truncated archive: leave it, and what follows, as it is
            at = (int) next;
            if (name.equals("TRAILER!!!")) {
                while (at < initrd.length && initrd[at] == 0) at++;
                end = at;
            }
        }
        return end;
    }

    /** Whether a newc header starts at {@code off}: {@code 070701}, or {@code 070702} (with checksums). */
    private static boolean newcMagic(byte[] b, int off) {
        return Arrays.equals(b, off, off + 5, MAGIC, 0, 5) && (b[off + 5] == '1' || b[off + 5] == '2');
    }

    /** A newc header's 8-digit hexadecimal field at {@code off}, or -1 when it is not one. */
    private static long hex(byte[] b, int off) {
        try {
            return Long.parseLong(new String(b, off, 8, StandardCharsets.US_ASCII), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }

    /**
     * Whether {@code initrd} begins with the segment {@link #prepend} writes (reads its first 128 bytes). False for
     * a null path, a missing file, or any initrd meros did not prepare, so {@code rdinit=} is only ever given for an
     * initrd that has the script.
     */
    public static boolean present(Path initrd) {
        if (initrd == null || !Files.isRegularFile(initrd)) return false;
        byte[] name = (PATH.substring(1) + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] head = new byte[NEWC_HEADER + name.length];
        try (InputStream in = Files.newInputStream(initrd)) {
            if (in.readNBytes(head, 0, head.length) < head.length) return false;
        } catch (IOException e) {
            return false;
        }
        return Arrays.equals(head, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                && Arrays.equals(head, NEWC_HEADER, head.length, name, 0, name.length);
    }
}
