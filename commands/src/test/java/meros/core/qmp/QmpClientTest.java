package meros.core.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import meros.core.base.MerosException;
import meros.testkit.QmpPeer;
import meros.core.wait.Deadline;
import meros.core.wait.WaitTimeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The QMP client against a scripted fake QEMU on a real UNIX socket. */
class QmpClientTest {

    @TempDir Path dir;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) c.close();
    }

    Path serve(QmpPeer.Script script) throws IOException {
        Path sock = dir.resolve("qmp.sock");
        toClose.add(QmpPeer.serve(sock, script));
        return sock;
    }

    @Test
    void routesRepliesByIdAndReturnsTheReturnMember() throws Exception {
        Path sock = serve(p -> {
            p.handshake();
            JsonNode x = p.request();
            JsonNode y = p.request();
            // answer query-status first, whichever came first: each reply must reach its own caller
            JsonNode a = x.path("execute").asText().equals("query-name") ? x : y;
            JsonNode b = a == x ? y : x;
            p.send("{\"return\": {\"status\": \"paused\", \"running\": false}, \"id\": " + b.get("id") + "}");
            p.send("{\"return\": {\"name\": \"" + a.path("arguments").path("x").asText() + "\"}, \"id\": " + a.get("id") + "}");
            Thread.sleep(10_000);
        });
        QmpClient c = QmpClient.connect(sock, Duration.ofSeconds(5));
        toClose.add(c);
        assertEquals(7, c.greeting().path("QMP").path("version").path("qemu").path("minor").asInt() + 5);
        CompletableFuture<JsonNode> first = CompletableFuture.supplyAsync(() -> c.execute("query-name", Map.of("x", "web")));
        Thread.sleep(200);
        JsonNode second = c.execute("query-status");
        assertEquals("{\"status\":\"paused\",\"running\":false}", second.toString());
        assertEquals("{\"name\":\"web\"}", first.get(5, TimeUnit.SECONDS).toString());
    }

    @Test
    void errorReplyKeepsWhatWasSentAndWhatCameBack() throws Exception {
        Path sock = serve(p -> {
            p.handshake();
            JsonNode r = p.request();
            p.send("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nosuch has not been found\"}, \"id\": " + r.get("id") + "}");
            Thread.sleep(10_000);
        });
        QmpClient c = QmpClient.connect(sock, Duration.ofSeconds(5));
        toClose.add(c);
        QmpError e = assertThrows(QmpError.class, () -> c.execute("nosuch", Map.of("a", 1)));
        assertEquals("qmp nosuch: CommandNotFound: The command nosuch has not been found", e.getMessage());
        assertEquals("nosuch", e.sent().get("execute").asText());
        assertEquals(1, e.sent().path("arguments").path("a").asInt());
        assertEquals("CommandNotFound", e.errorClass());
        assertTrue(c.isConnected(), "an error reply does not end the connection");
    }

    /** QEMU's answer to a request it cannot parse: an error with no id (qapi/qmp-dispatch.c). */
    static final String PARSE_ERROR = "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'nul'\"}}";

    @Test
    void errorWithoutIdFailsTheOldestPendingCallAtOnceWithQemusMessage() throws Exception {
        Path sock = serve(p -> {
            p.handshake();
            p.request();
            p.send(PARSE_ERROR);
            JsonNode next = p.request();
            p.send("{\"return\": {\"status\": \"running\"}, \"id\": " + next.get("id") + "}");
            Thread.sleep(10_000);
        });
        QmpClient c = QmpClient.connect(sock, Duration.ofSeconds(5));
        toClose.add(c);
        long start = System.nanoTime();
        QmpError e = assertThrows(QmpError.class, () -> c.execute("human-monitor-command", Map.of("command-line", "info"), Duration.ofSeconds(30)));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "failed at once, not at the deadline");
        assertEquals("qmp human-monitor-command: GenericError: JSON parse error, invalid keyword 'nul'", e.getMessage());
        assertTrue(c.isConnected(), "the connection stays usable");
        assertEquals("{\"status\":\"running\"}", c.execute("query-status").toString());
    }

    @Test
    void errorWithoutIdGoesToTheOldestOfSeveralPendingCallsAndTheOthersGetTheirReplies() throws Exception {
        CompletableFuture<Void> bothSent = new CompletableFuture<>();
        Path sock = serve(p -> {
            p.handshake();
            p.request();
            JsonNode second = p.request();
            bothSent.complete(null);
            p.send("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON nesting depth limit exceeded\"}, \"id\": null}");
            p.send("{\"return\": {}, \"id\": " + second.get("id") + "}");
            Thread.sleep(10_000);
        });
        QmpClient c = QmpClient.connect(sock, Duration.ofSeconds(5));
        toClose.add(c);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> message(() -> c.execute("stop", (Map<String, ?>) null, Duration.ofSeconds(30))));
        Thread.sleep(200);
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> message(() -> c.execute("cont", (Map<String, ?>) null, Duration.ofSeconds(30))));
        bothSent.get(5, TimeUnit.SECONDS);
        assertEquals("qmp stop: GenericError: JSON nesting depth limit exceeded", first.get(5, TimeUnit.SECONDS));
        assertEquals("no exception", second.get(5, TimeUnit.SECONDS));
    }

    @Test
    void errorWithoutIdWhileNothingWaitsIsDroppedAndTheConnectionStaysUsable() throws Exception {
        Path sock = serve(p -> {
            p.handshake();
            p.send(PARSE_ERROR);
            JsonNode r = p.request();
            p.send("{\"return\": {}, \"id\": " + r.get("id") + "}");
            Thread.sleep(10_000);
        });
        QmpClient c = QmpClient.connect(sock, Duration.ofSeconds(5));
        toClose.add(c);
        Thread.sleep(200);
        assertEquals("{}", c.execute("cont").toString());
        assertTrue(c.isConnected());
    }

    @Test
    void jammedServerTimesOutNamingTheCommand() throws Exception {
        Path sock = serve(p -> {
            p.handshake();
            while (p.request() != null) { /* swallow and never answer */ }
        });
        QmpClient c = QmpClient.connect(sock, Duration.ofSeconds(5));
        toClose.add(c);
        MerosException e = assertThrows(MerosException.class, () -> c.execute("query-status", (Map<String, ?>) null, Duration.ofMillis(300)));
        assertEquals("qmp query-status: no reply within 0.3 s from " + sock, e.getMessage());
    }

    @Test
    void jammedGreetingTimesOut() throws Exception {
        Path sock = serve(p -> Thread.sleep(10_000));
        MerosException e = assertThrows(MerosException.class, () -> QmpClient.connect(sock, Duration.ofMillis(300)));
        assertEquals("no QMP greeting from " + sock + " within 0.3 s", e.getMessage());
    }

    @Test
    void droppedConnectionFailsEveryPendingCall() throws Exception {
        CompletableFuture<Void> bothSent = new CompletableFuture<>();
        Path sock = serve(p -> {
            p.handshake();
            p.request();
            p.request();
            bothSent.complete(null);
            Thread.sleep(300);
            p.ch.close(); // QEMU dies mid-call
        });
        QmpClient c = QmpClient.connect(sock, Duration.ofSeconds(5));
        toClose.add(c);
        List<String> closed = new CopyOnWriteArrayList<>();
        c.onClose(closed::add);
        CompletableFuture<String> a = CompletableFuture.supplyAsync(() -> message(() -> c.execute("stop", (Map<String, ?>) null, Duration.ofSeconds(30))));
        CompletableFuture<String> b = CompletableFuture.supplyAsync(() -> message(() -> c.execute("cont", (Map<String, ?>) null, Duration.ofSeconds(30))));
        bothSent.get(5, TimeUnit.SECONDS);
        assertEquals("QEMU closed the QMP connection while waiting for the reply to 'stop' (" + sock + ")", a.get(5, TimeUnit.SECONDS));
        assertEquals("QEMU closed the QMP connection while waiting for the reply to 'cont' (" + sock + ")", b.get(5, TimeUnit.SECONDS));
        assertFalse(c.isConnected());
        assertEquals(List.of("QEMU closed the QMP connection"), closed);
        assertEquals("qmp query-status: not connected to " + sock + " (QEMU closed the QMP connection)",
                message(() -> c.execute("query-status")));
    }

    @Test
    void eventsInterleavedWithRepliesGoToTheEventStream() throws Exception {
        Path sock = serve(p -> {
            p.handshake();
            JsonNode r = p.request();
            p.send("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250}, \"event\": \"STOP\"}");
            p.send("{\"return\": {}, \"id\": " + r.get("id") + "}");
            r = p.request();
            p.send("{\"timestamp\": {\"seconds\": 1700000001, \"microseconds\": 0}, \"event\": \"RESUME\"}");
            p.send("{\"timestamp\": {\"seconds\": 1700000002, \"microseconds\": 0}, \"event\": \"BLOCK_JOB_READY\", \"data\": {\"device\": \"d0\"}}");
            p.send("{\"return\": {}, \"id\": " + r.get("id") + "}");
            Thread.sleep(10_000);
        });
        QmpClient c = QmpClient.connect(sock, Duration.ofSeconds(5));
        toClose.add(c);
        List<String> heard = new CopyOnWriteArrayList<>();
        c.addListener(ev -> heard.add(ev.name()));
        EventFollower mine = c.follow();
        EventFollower theirs = c.follow();
        assertEquals("{}", c.execute("stop").toString());
        assertEquals("{}", c.execute("cont").toString());
        QmpEvent stop = mine.next(Duration.ofSeconds(5));
        assertEquals("STOP", stop.name());
        assertEquals(1700000000_000250L, stop.time().getEpochSecond() * 1_000_000 + stop.time().getNano() / 1000);
        assertEquals("RESUME", mine.await("RESUME", Deadline.after(Duration.ofSeconds(5))).name());
        QmpEvent job = mine.next(Duration.ofSeconds(5));
        assertEquals("{\"device\":\"d0\"}", job.data().toString());
        assertEquals(List.of("STOP", "RESUME", "BLOCK_JOB_READY"), heard);
        // what one follower took, the other still has; a late follower can start from the connection's start
        assertEquals(List.of("STOP", "RESUME", "BLOCK_JOB_READY"), names(theirs.drain()));
        try (EventFollower late = c.followFromStart()) {
            assertEquals(List.of("STOP", "RESUME", "BLOCK_JOB_READY"), names(late.drain()));
        }
        try (EventFollower fromNow = c.follow()) {
            assertNull(fromNow.next(Duration.ofMillis(300)), "a follower from now sees no earlier events");
        }
        WaitTimeout t = assertThrows(WaitTimeout.class, () -> theirs.await("SHUTDOWN", Deadline.after(Duration.ofMillis(500))));
        assertEquals("gave up after 0.5 s waiting for QMP event SHUTDOWN; last saw: no events", t.getMessage());
        mine.close();
        theirs.close();
    }

    static List<String> names(List<QmpEvent> events) {
        List<String> n = new ArrayList<>();
        for (QmpEvent e : events) n.add(e.name());
        return n;
    }

    @Test
    void connectingToAMissingSocketSaysWhich() {
        Path sock = dir.resolve("nothing.sock");
        MerosException e = assertThrows(MerosException.class, () -> QmpClient.connect(sock, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().startsWith("cannot connect to QMP socket " + sock + ": "), e.getMessage());
    }

    interface Call { Object run(); }

    static String message(Call c) {
        try {
            c.run();
            return "no exception";
        } catch (MerosException e) {
            return e.getMessage();
        }
    }
}
