package meros.core.qemu;

import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * segment has is never overwritten by the ones after it.
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
            # one modprobe for all of /conf/modules (a line with parameters gets its own): each run costs ~0.1 s under TCG
            mods=
            if [ -f /conf/modules ]; then
              while read -r m args; do
                case "$m" in ""|"#"*) continue ;; esac
                if [ -n "$args" ]; then modprobe -q -b "$m" $args; else mods="$mods $m"; fi
              done < /conf/modules
            fi
            [ -z "$mods" ] || modprobe -q -b -a $mods
            for m in $(cat /meros/modules 2>/dev/null); do /meros/insmod "/meros/$m" 2>/dev/null; done
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
     * the root: the NIC's driver, so {@code meros.ip=} can configure it.
     */
    public static void prepend(Path initrd, List<Path> modules) throws IOException {
        if (present(initrd)) return;
        Path tmp = initrd.resolveSibling(initrd.getFileName() + ".rdinit.tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(segment(modules));
            writeInflated(initrd, out);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(initrd));
        Files.move(tmp, initrd, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
        while (at + NEWC_HEADER <= initrd.length && initrd[at] == '0' && initrd[at + 1] == '7' && initrd[at + 2] == '0'
                && initrd[at + 3] == '7' && initrd[at + 4] == '0' && (initrd[at + 5] == '1' || initrd[at + 5] == '2')) {
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
