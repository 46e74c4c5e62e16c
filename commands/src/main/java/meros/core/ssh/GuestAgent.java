package meros.core.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import meros.core.base.ExitCode;
import meros.core.base.MerosException;
import meros.core.base.Text;
import meros.core.wait.Deadline;
import meros.core.wait.Poll;
import meros.core.wait.Timeouts;
import meros.core.wait.Wait;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The QEMU guest agent over {@code data/state/<c>/<vm>/qga.sock}: the way in when the guest's network is down.
 * JSON objects one per line like QMP, but no greeting and no ids: every session starts with
 * {@code guest-sync-delimited} (the reply is preceded by a 0xFF byte) to discard leftovers of earlier clients,
 * then requests and replies strictly alternate.
 */
public final class GuestAgent implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 20;

    private final String label;
    private final SocketChannel ch;
    private final Selector selector;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final Duration timeout;

    private GuestAgent(String label, SocketChannel ch, Duration timeout) throws IOException {
        this.label = label;
        this.ch = ch;
        this.timeout = timeout;
        ch.configureBlocking(false);
        this.selector = Selector.open();
        ch.register(selector, SelectionKey.OP_READ);
    }

    /** Connects and synchronises; {@code timeout} bounds every single request/reply. */
    public static GuestAgent connect(Path socket, String label, Duration timeout) {
        if (!Files.exists(socket)) {
            throw MerosException.failed("no guest agent socket " + socket + " (is " + label + " running?)");
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            GuestAgent a = new GuestAgent(label, ch, timeout);
            a.sync();
            return a;
        } catch (IOException e) {
            if (ch != null) try { ch.close(); } catch (IOException ignored) { }
            throw MerosException.failed("cannot talk to the guest agent of " + label + " at " + socket + ": " + e.getMessage());
        } catch (RuntimeException e) {
            if (ch != null) try { ch.close(); } catch (IOException ignored) { }
            throw e;
        }
    }

    private void sync() throws IOException {
        long id = ThreadLocalRandom.current().nextLong(1, Integer.MAX_VALUE);
        ByteBuffer reset = ByteBuffer.wrap(new byte[] {(byte) 0xFF});
        writeFully(reset);
        ObjectNode req = JSON.createObjectNode().put("execute", "guest-sync-delimited");
        req.putObject("arguments").put("id", id);
        send(req);
        long deadline = deadline();
        // skip everything up to the 0xFF delimiter, then the reply carrying our id
        while (true) {
            byte[] b = pending.toByteArray();
            int ff = indexOf(b, (byte) 0xFF);
            if (ff >= 0) {
                pending.reset();
                pending.write(b, ff + 1, b.length - ff - 1);
                break;
            }
            pending.reset();
            readSome(deadline, "the guest agent's sync reply (is qemu-guest-agent running in the guest?)");
        }
        while (true) {
            JsonNode r = readLine(deadline, "the guest agent's sync reply");
            if (r.path("return").asLong(-1) == id) return;
        }
    }

    /** Runs one agent command; returns its {@code return} value or throws with the agent's error. */
    public synchronized JsonNode call(String command, ObjectNode arguments) {
        try {
            ObjectNode req = JSON.createObjectNode().put("execute", command);
            if (arguments != null) req.set("arguments", arguments);
            send(req);
            JsonNode r = readLine(deadline(), "the guest agent's reply to " + command);
            if (r.has("error")) {
                throw MerosException.failed("guest agent on " + label + ": " + command + " failed: "
                        + r.path("error").path("desc").asText(r.path("error").toString()));
            }
            return r.path("return");
        } catch (IOException e) {
            throw MerosException.failed("guest agent on " + label + ": " + command + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------ exec

    /** Runs {@code command} with {@code /bin/sh -c} in the guest (as root); output arrives when it ends. */
    public ExecResult exec(String command, Duration limit) {
        ObjectNode args = JSON.createObjectNode().put("path", "/bin/sh").put("capture-output", true);
        args.putArray("arg").add("-c").add(command);
        long pid = call("guest-exec", args).path("pid").asLong();
        Duration[] pause = {Timeouts.AGENT_POLL_MIN};
        Wait<ExecResult> w = Wait.until(SshAccess.oneLine(command) + " to end (guest agent)", d -> {
            JsonNode st = call("guest-exec-status", JSON.createObjectNode().put("pid", pid));
            if (st.path("exited").asBoolean(false)) {
                String out = decode(st.path("out-data"));
                String err = decode(st.path("err-data"));
                if (st.has("exitcode")) return Poll.done(new ExecResult(st.path("exitcode").asInt(), null, out, err));
                return Poll.done(new ExecResult(null, signalName(st.path("signal").asInt(-1)), out, err));
            }
            d.sleep(pause[0], "guest-exec pid " + pid);
            pause[0] = pause[0].multipliedBy(2).compareTo(Timeouts.AGENT_POLL_MAX) > 0 ? Timeouts.AGENT_POLL_MAX : pause[0].multipliedBy(2);
            return Poll.pending("still running (guest pid " + pid + ")");
        }).subject(label).every(Duration.ZERO).retryOn(e -> false);
        try {
            return w.await(limit);
        } catch (MerosException e) {
            try {
                call("guest-exec", killArgs(pid));
            } catch (MerosException ignored) {
                // the agent is gone too: nothing left to kill
            }
            throw e;
        }
    }

    private static ObjectNode killArgs(long pid) {
        ObjectNode a = JSON.createObjectNode().put("path", "/bin/kill");
        a.putArray("arg").add("-KILL").add(String.valueOf(pid));
        return a;
    }

    private static String decode(JsonNode b64) {
        if (b64.isMissingNode() || b64.isNull()) return "";
        return new String(Base64.getDecoder().decode(b64.asText()), StandardCharsets.UTF_8);
    }

    private static String signalName(int n) {
        String[] names = {null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
                "USR2", "PIPE", "ALRM", "TERM"};
        return n > 0 && n < names.length ? names[n] : String.valueOf(n);
    }

    /** Like {@link #exec} but requires status 0 and returns stdout. */
    String check(String command) {
        ExecResult r = exec(command, Timeouts.AGENT_HELPER);
        if (!r.ok()) {
            throw MerosException.failed("on " + label + " (guest agent): " + SshAccess.oneLine(command) + " " + r.describe()
                    + (r.stderr().isBlank() ? "" : ": " + Text.printableLine(r.stderr()).strip()));
        }
        return r.stdout();
    }

    // ------------------------------------------------------------ files

    /** Writes {@code data} to the guest file {@code path} (absolute), replacing it. */
    public void writeFile(String path, InputStream data, long size, String name, TransferProgress progress) throws IOException {
        long h = call("guest-file-open", JSON.createObjectNode().put("path", path).put("mode", "w")).asLong();
        try {
            byte[] buf = new byte[CHUNK];
            long done = 0;
            progress.update(name, 0, size);
            int n;
            while ((n = data.readNBytes(buf, 0, buf.length)) > 0) {
                ObjectNode a = JSON.createObjectNode().put("handle", h)
                        .put("buf-b64", Base64.getEncoder().encodeToString(n == buf.length ? buf : Arrays.copyOf(buf, n)));
                call("guest-file-write", a);
                done += n;
                progress.update(name, done, size);
            }
        } finally {
            call("guest-file-close", JSON.createObjectNode().put("handle", h));
        }
    }

    /** Reads the guest file {@code path} (absolute) into {@code out}. */
    public void readFile(String path, OutputStream out, String name, long size, TransferProgress progress) throws IOException {
        long h = call("guest-file-open", JSON.createObjectNode().put("path", path).put("mode", "r")).asLong();
        try {
            long done = 0;
            progress.update(name, 0, size);
            while (true) {
                JsonNode r = call("guest-file-read", JSON.createObjectNode().put("handle", h).put("count", CHUNK));
                byte[] b = Base64.getDecoder().decode(r.path("buf-b64").asText(""));
                out.write(b);
                done += b.length;
                if (b.length > 0) progress.update(name, done, size);
                if (r.path("eof").asBoolean(false) || b.length == 0) break;
            }
        } finally {
            call("guest-file-close", JSON.createObjectNode().put("handle", h));
        }
    }

    /** Home directory of {@code user} in the guest. */
    public String home(String user) {
        String line = check("getent passwd " + ShellQuote.quote(user)).strip();
        String[] f = line.split(":");
        if (f.length < 6) throw MerosException.failed("no user '" + user + "' in " + label);
        return f[5];
    }

    /** Absolute guest path for a remote path given relative to {@code user}'s home (or {@code ~/...}). */
    public String absolute(String remote, String user) {
        if (remote.startsWith("/")) return remote;
        String r = SshAccess.remotePath(remote);
        String home = home(user);
        return r.equals(".") ? home : home + "/" + r;
    }

    /**
     * Copies a local file or directory into the guest like {@code scp -rp}: into {@code remote} when it is an
     * existing directory, else as {@code remote}. Files end up owned by {@code user}, modes kept.
     */
    public void push(Path local, String remote, String user, TransferProgress progress) throws IOException {
        String dest = absolute(remote, user);
        String name = local.getFileName().toString();
        if (exec("test -d " + ShellQuote.quote(dest), Duration.ofSeconds(30)).ok()) dest = dest + "/" + name;
        List<Path> entries;
        try (Stream<Path> s = Files.walk(local)) { entries = s.sorted().toList(); }
        StringBuilder modes = new StringBuilder();
        for (Path p : entries) {
            String rel = local.relativize(p).toString();
            String target = rel.isEmpty() ? dest : dest + "/" + rel;
            String mode = Integer.toOctalString(PosixFile.mode(Files.getPosixFilePermissions(p)));
            if (Files.isDirectory(p)) {
                check("mkdir -p " + ShellQuote.quote(target));
            } else {
                try (InputStream in = Files.newInputStream(p)) {
                    writeFile(target, in, Files.size(p), rel.isEmpty() ? name : name + "/" + rel, progress);
                }
            }
            modes.append("chmod ").append(mode).append(' ').append(ShellQuote.quote(target)).append('\n');
        }
        if (!user.equals("root")) modes.append("chown -R ").append(ShellQuote.quote(user)).append(": ").append(ShellQuote.quote(dest)).append('\n');
        check(modes.toString());
    }

    /** Copies a guest file or directory to {@code local} like {@code scp -rp} (into it when it is a directory). */
    public void pull(String remote, Path local, String user, TransferProgress progress) throws IOException {
        String src = absolute(remote, user);
        String q = ShellQuote.quote(src);
        String kind = check("if [ -d " + q + " ]; then echo d; elif [ -e " + q + " ]; then echo f; else echo none; fi").strip();
        if (kind.equals("none")) throw MerosException.failed("pull " + label + ":" + remote + " failed: no such file");
        String name = src.replaceAll("/+$", "");
        name = name.substring(name.lastIndexOf('/') + 1);
        Path dest = Files.isDirectory(local) ? local.resolve(name) : local;
        if (kind.equals("f")) {
            String[] st = check("stat -c '%a %s' " + q).strip().split(" ");
            try (OutputStream out = Files.newOutputStream(dest)) {
                readFile(src, out, name, Long.parseLong(st[1]), progress);
            }
            Files.setPosixFilePermissions(dest, PosixFile.perms(Integer.parseInt(st[0], 8)));
            return;
        }
        // directory: list type, mode, size and relative path, NUL-separated (names may hold newlines)
        String listing = check("cd " + q + " && find . -mindepth 1 -printf '%y %m %s %P\\0'");
        Files.createDirectories(dest);
        String topMode = check("stat -c %a " + q).strip();
        List<String[]> dirs = new ArrayList<>();
        for (String e : listing.split("\0")) {
            if (e.isEmpty()) continue;
            String[] f = e.split(" ", 4);
            Path p = dest.resolve(f[3]).normalize();
            if (!p.startsWith(dest)) throw MerosException.failed("unsafe path in the guest's listing: " + f[3]);
            switch (f[0]) {
                case "d" -> { Files.createDirectories(p); dirs.add(f); }
                case "f" -> {
                    try (OutputStream out = Files.newOutputStream(p)) {
                        readFile(src + "/" + f[3], out, name + "/" + f[3], Long.parseLong(f[2]), progress);
                    }
                    Files.setPosixFilePermissions(p, PosixFile.perms(Integer.parseInt(f[1], 8)));
                }
                default -> { } // symlinks, devices: not copied
            }
        }
        for (String[] d : dirs) Files.setPosixFilePermissions(dest.resolve(d[3]), PosixFile.perms(Integer.parseInt(d[1], 8)));
        Files.setPosixFilePermissions(dest, PosixFile.perms(Integer.parseInt(topMode, 8)));
    }

    // ------------------------------------------------------------ wire

    private long deadline() { return System.nanoTime() + timeout.toNanos(); }

    private void send(JsonNode req) throws IOException {
        writeFully(ByteBuffer.wrap((JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    private void writeFully(ByteBuffer b) throws IOException {
        long deadline = deadline();
        while (b.hasRemaining()) {
            if (ch.write(b) == 0) {
                if (System.nanoTime() > deadline) throw new IOException("timed out writing to the guest agent");
                try { Thread.sleep(1); } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
    }

    private JsonNode readLine(long deadline, String what) throws IOException {
        while (true) {
            byte[] b = pending.toByteArray();
            int nl = indexOf(b, (byte) '\n');
            if (nl >= 0) {
                pending.reset();
                pending.write(b, nl + 1, b.length - nl - 1);
                String line = new String(b, 0, nl, StandardCharsets.UTF_8).strip();
                if (line.isEmpty()) continue;
                JsonNode n = JSON.readTree(line);
                if (n.has("event")) continue;
                return n;
            }
            readSome(deadline, what);
        }
    }

    private void readSome(long deadline, String what) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("no answer within " + Deadline.format(timeout) + " while waiting for " + what);
            }
            selector.select(left);
            selector.selectedKeys().clear();
            int n = ch.read(buf);
            if (n < 0) throw new IOException("the guest agent socket closed");
            if (n > 0) {
                pending.write(buf.array(), 0, n);
                return;
            }
        }
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) if (b[i] == x) return i;
        return -1;
    }

    @Override
    public void close() {
        try { selector.close(); } catch (IOException ignored) { }
        try { ch.close(); } catch (IOException ignored) { }
    }
}
