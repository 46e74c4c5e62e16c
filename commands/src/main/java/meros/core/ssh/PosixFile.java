package meros.core.ssh;

import net.schmizz.sshj.xfer.LocalDestFile;
import net.schmizz.sshj.xfer.LocalFileFilter;
import net.schmizz.sshj.xfer.LocalSourceFile;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A local file for SFTP transfers that keeps POSIX modes exactly (sshj's {@code FileSystemFile} maps
 * modes through {@code java.io.File}'s owner/everybody flags and loses group bits).
 */
final class PosixFile implements LocalSourceFile, LocalDestFile {
    private static final PosixFilePermission[] BITS = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    private final Path path;

    PosixFile(Path path) { this.path = path; }

    Path path() { return path; }

    static int mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (int i = 0; i < BITS.length; i++) if (perms.contains(BITS[i])) m |= 1 << i;
        return m;
    }

    static Set<PosixFilePermission> perms(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) if ((mode & (1 << i)) != 0) s.add(BITS[i]);
        return s;
    }

    @Override public String getName() { return path.getFileName() == null ? path.toString() : path.getFileName().toString(); }
    @Override public long getLength() {
        try { return Files.isRegularFile(path) ? Files.size(path) : 0; } catch (IOException e) { return 0; }
    }
    @Override public InputStream getInputStream() throws IOException { return Files.newInputStream(path); }
    @Override public int getPermissions() throws IOException { return mode(Files.getPosixFilePermissions(path)); }
    @Override public boolean isFile() { return Files.isRegularFile(path); }
    @Override public boolean isDirectory() { return Files.isDirectory(path); }

    @Override
    public Iterable<PosixFile> getChildren(LocalFileFilter filter) throws IOException {
        List<PosixFile> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(path)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                PosixFile f = new PosixFile(p);
                if (filter == null || filter.accept(f)) out.add(f);
            }
        }
        return out;
    }

    @Override public boolean providesAtimeMtime() { return true; }
    @Override public long getLastAccessTime() throws IOException {
        return ((FileTime) Files.getAttribute(path, "lastAccessTime")).to(TimeUnit.SECONDS);
    }
    @Override public long getLastModifiedTime() throws IOException { return Files.getLastModifiedTime(path).to(TimeUnit.SECONDS); }

    @Override public OutputStream getOutputStream() throws IOException { return getOutputStream(false); }
    @Override public OutputStream getOutputStream(boolean append) throws IOException {
        return append ? Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                : Files.newOutputStream(path);
    }

    @Override public PosixFile getChild(String name) {
        if (name.contains("/") || name.equals("..")) throw new IllegalArgumentException("unsafe remote name '" + name + "'");
        return new PosixFile(path.resolve(name));
    }

    @Override
    public PosixFile getTargetFile(String name) throws IOException {
        PosixFile f = Files.isDirectory(path) ? getChild(name) : this;
        if (Files.isDirectory(f.path, LinkOption.NOFOLLOW_LINKS)) throw new IOException("a directory " + f.path + " is in the way");
        return f;
    }

    @Override
    public PosixFile getTargetDirectory(String name) throws IOException {
        PosixFile f = this;
        if (Files.exists(path)) {
            if (!Files.isDirectory(path)) throw new IOException(path + " exists and is not a directory");
            f = getChild(name);
        }
        Files.createDirectories(f.path);
        return f;
    }

    @Override public void setPermissions(int perms) throws IOException { Files.setPosixFilePermissions(path, perms(perms & 0777)); }
    @Override public void setLastAccessedTime(long t) throws IOException {
        Files.setAttribute(path, "lastAccessTime", FileTime.from(t, TimeUnit.SECONDS));
    }
    @Override public void setLastModifiedTime(long t) throws IOException { Files.setLastModifiedTime(path, FileTime.from(t, TimeUnit.SECONDS)); }

    @Override public String toString() { return path.toString(); }
}
