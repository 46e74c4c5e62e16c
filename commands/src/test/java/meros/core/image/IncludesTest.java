package meros.core.image;

import meros.core.base.IncludeTree;
import meros.core.base.MerosException;
import meros.core.host.Privileges;
import meros.core.manifest.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IncludesTest {

    @Test
    void copiesFilesDirectoriesAndSymlinksKeepingModes(@TempDir Path tmp) throws Exception {
        Path tree = tmp.resolve("includes.chroot");
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(tree.resolve("usr/local/bin"));
        Files.writeString(tree.resolve("usr/local/bin/tool"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(tree.resolve("usr/local/bin/tool"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/motd"), "hello\n");
        Files.createSymbolicLink(tree.resolve("etc/motd.link"), Path.of("motd"));
        Files.createSymbolicLink(tree.resolve("etc/abs.link"), Path.of("/usr/local/bin/tool"));

        Includes.copy(tree, root);

        assertEquals("hello\n", Files.readString(root.resolve("etc/motd")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("usr/local/bin/tool"))));
        assertEquals(Path.of("motd"), Files.readSymbolicLink(root.resolve("etc/motd.link")));
        assertEquals(Path.of("/usr/local/bin/tool"), Files.readSymbolicLink(root.resolve("etc/abs.link")),
                "absolute targets are kept as they are: inside the guest they resolve within its root");
    }

    @Test
    void aLaterTreeWins(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Path wide = tmp.resolve("wide");
        Path vm = tmp.resolve("vm");
        Files.createDirectories(wide.resolve("etc"));
        Files.createDirectories(vm.resolve("etc"));
        Files.writeString(wide.resolve("etc/motd"), "constellation\n");
        Files.writeString(wide.resolve("etc/issue"), "kept\n");
        Files.writeString(vm.resolve("etc/motd"), "vm\n");
        Includes.copy(wide, root);
        Includes.copy(vm, root);
        assertEquals("vm\n", Files.readString(root.resolve("etc/motd")));
        assertEquals("kept\n", Files.readString(root.resolve("etc/issue")));
    }

    @Test
    void aSymlinkWhoseTargetClimbsOutOfTheRootIsRefusedAndNothingIsCopied(@TempDir Path tmp) throws Exception {
        Path tree = tmp.resolve("inc");
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/motd"), "x\n");
        Files.createSymbolicLink(tree.resolve("etc/shadow-of-host"), Path.of("../../../etc/shadow"));
        MerosException e = assertThrows(MerosException.class, () -> Includes.copy(tree, root));
        assertTrue(e.getMessage().contains("/etc/shadow-of-host: symlink target '../../../etc/shadow' escapes the root"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertFalse(Files.exists(root.resolve("etc/motd")), "refused before anything was copied");
    }

    @Test
    void relativeTargetsThatStayInsideAreFine() {
        assertNull(IncludeTree.escape(Path.of("etc/a/link"), Path.of("../../usr/bin/x")));
        assertNull(IncludeTree.escape(Path.of("etc/link"), Path.of("./x/../y")));
        assertTrue(IncludeTree.escape(Path.of("etc/link"), Path.of("../../x")) != null);
        assertTrue(IncludeTree.escape(Path.of("link"), Path.of("..")) != null);
    }

    @Test
    void writingThroughASymlinkThatPointsOutsideTheRootIsRefused(@TempDir Path tmp) throws Exception {
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        // the guest (or an earlier include) has an absolute symlink; on the host it would lead out of the root
        Files.createSymbolicLink(root.resolve("etc"), outside);
        Path tree = tmp.resolve("inc");
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/passwd"), "evil\n");
        MerosException e = assertThrows(MerosException.class, () -> Includes.copy(tree, root));
        assertTrue(e.getMessage().contains("outside the root"), e.getMessage());
        assertFalse(Files.exists(outside.resolve("passwd")));
    }

    @Test
    void anIncludeFileReplacesASymlinkInsteadOfWritingThroughIt(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/real"), "original\n");
        Files.createSymbolicLink(root.resolve("etc/resolv.conf"), Path.of("real"));
        Path tree = tmp.resolve("inc");
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/resolv.conf"), "nameserver 10.0.0.1\n");
        Includes.copy(tree, root);
        assertFalse(Files.isSymbolicLink(root.resolve("etc/resolv.conf")));
        assertEquals("original\n", Files.readString(root.resolve("etc/real")));
        assertEquals("nameserver 10.0.0.1\n", Files.readString(root.resolve("etc/resolv.conf"), StandardCharsets.UTF_8));
    }

    @Test
    void includeDirectoriesFollowInRootSymlinksSuchAsMergedUsr(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("usr/lib"));
        Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
        Path tree = tmp.resolve("inc");
        Files.createDirectories(tree.resolve("lib/modprobe.d"));
        Files.writeString(tree.resolve("lib/modprobe.d/x.conf"), "options x y=1\n");
        Includes.copy(tree, root);
        assertTrue(Files.isSymbolicLink(root.resolve("lib")), "the guest's /lib symlink is kept");
        assertEquals("options x y=1\n", Files.readString(root.resolve("usr/lib/modprobe.d/x.conf")));
    }

    @Test
    void ownershipIsKeptWhenRunningAsRoot(@TempDir Path tmp) throws Exception {
        Path tree = tmp.resolve("inc");
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Files.createDirectories(tree.resolve("srv"));
        Files.writeString(tree.resolve("srv/data"), "d\n");
        if (Privileges.isRoot()) {
            Files.setAttribute(tree.resolve("srv/data"), "unix:uid", 1234);
            Files.setAttribute(tree.resolve("srv/data"), "unix:gid", 2345);
        }
        Includes.copy(tree, root);
        Object uid = Files.getAttribute(root.resolve("srv/data"), "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object gid = Files.getAttribute(root.resolve("srv/data"), "unix:gid", LinkOption.NOFOLLOW_LINKS);
        assertEquals(Files.getAttribute(tree.resolve("srv/data"), "unix:uid"), uid);
        assertEquals(Files.getAttribute(tree.resolve("srv/data"), "unix:gid"), gid);
    }

    @Test
    void aMissingTreeCopiesNothing(@TempDir Path tmp) {
        assertEquals(0, Includes.copy(tmp.resolve("none"), tmp));
    }

    /**
     * Before a build starts anything: an executable script saved with CRLF line ends (its #! line names '/bin/sh\r')
     * and a symlink escaping the tree, each named by its path from the constellation's directory; a CRLF text file
     * that is not executable is fine (it is data).
     */
    @Test
    void includeProblemsAreRefusedBeforeTheBuildWithTheirPaths(@TempDir Path tmp) throws Exception {
        Path c = tmp.resolve("c");
        Path bin = c.resolve("includes.chroot/usr/local/bin");
        Files.createDirectories(bin);
        Files.writeString(bin.resolve("tool"), "#!/bin/bash\r\necho hi\r\n");
        Files.setPosixFilePermissions(bin.resolve("tool"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(bin.resolve("notes.txt"), "#!/not/a/script\r\n");
        Files.setPosixFilePermissions(bin.resolve("notes.txt"), PosixFilePermissions.fromString("rw-r--r--"));
        Path web = c.resolve("web/includes.chroot/etc");
        Files.createDirectories(web);
        Files.createSymbolicLink(web.resolve("out"), Path.of("../../../x"));
        Manifest m = Fixtures.manifest("c", c, List.of(), List.of(Fixtures.debian("web", List.of()), Fixtures.debian("db", List.of())));

        assertEquals("includes.chroot/usr/local/bin/tool: an executable that has Windows (CRLF) line ends: its first line asks for the"
                + " interpreter '/bin/bash\\r', which does not exist; convert it (dos2unix, or git config core.autocrlf input); "
                + "web/includes.chroot/etc/out: symlink target '../../../x' escapes the root",
                assertThrows(MerosException.class, () -> Includes.refuseProblems(m, "web")).getMessage());
        Files.writeString(bin.resolve("tool"), "#!/bin/bash\necho hi\r\n");
        Includes.refuseProblems(m, "db");
    }
}
