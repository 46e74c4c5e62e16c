// lab-smoke: the lab constellation's two VMs as a test. web serves a page, client fetches it; cutting web's NIC
// (QMP set_link) makes the fetch fail, restoring it makes it work again. Also exercises the rest of the
// scenario API once: copies, console text, screenshots, QMP and events, reboot and crash.
//   ./meros script --junit build/lab-smoke.xml scripts/lab-smoke.jsh     (as root: lab uses a bridge)
var lab = meros.constellation("lab");
lab.init();
var web = lab.vm("web");
var client = lab.vm("client");

meros.subtest("both VMs boot", () -> {
    for (var vm : lab.vms()) {
        vm.waitForUnit("multi-user.target", Duration.ofMinutes(5));
        vm.waitForConsoleText("Linux version");
    }
});

meros.subtest("web serves a page to client", () -> {
    var page = Files.createTempFile("lab-smoke", ".html");
    Files.writeString(page, "hello from web\n");
    web.succeed("mkdir -p /srv/www");
    web.push(page, "/srv/www/index.html");
    web.succeed("busybox httpd -p 80 -h /srv/www");
    web.waitForOpenPort(80);
    var got = client.waitUntilSucceeds("curl -sf -m 5 http://10.0.10.21/index.html", Duration.ofSeconds(60));
    if (!got.equals("hello from web\n")) throw new IllegalStateException("client got '" + got + "'");
    Files.delete(page);
});

meros.subtest("blocking web's NIC breaks the fetch", () -> {
    web.block();
    client.fail("curl -sf -m 3 http://10.0.10.21/index.html");
    var r = client.execute("curl -s -m 3 -o /dev/null http://10.0.10.21/index.html");
    if (r.ok()) throw new IllegalStateException("curl succeeded while web was blocked");
});

meros.subtest("unblocking web brings it back", () -> {
    web.unblock();
    client.waitUntilSucceeds("curl -sf -m 3 http://10.0.10.21/index.html", Duration.ofSeconds(60));
});

meros.subtest("files, screenshots and QMP", () -> {
    client.succeed("mkdir -p /root/out && uname -r > /root/out/kernel && touch /root/out/done");
    client.waitForFile("/root/out/done");
    var back = Files.createTempDirectory("lab-smoke");
    try {
        client.pull("/root/out", back);
        if (Files.readString(back.resolve("out/kernel")).isBlank()) throw new IllegalStateException("empty copy");
        var shot = back.resolve("web.png");
        web.screenshot(shot);
        if (Files.size(shot) == 0) throw new IllegalStateException("empty screenshot");
    } finally {
        FileTrees.deleteTree(back);
    }
    if (!web.qmp("query-status").path("status").asText().equals("running")) throw new IllegalStateException("web not running");
    web.qmp("stop");
    web.waitForEvent("STOP", Duration.ofSeconds(30));
    web.qmp("cont");
    web.waitForEvent("RESUME", Duration.ofSeconds(30));
});

meros.subtest("web reboots and serves again", () -> {
    web.reboot();
    web.waitForUnit("multi-user.target", Duration.ofMinutes(5));
    web.succeed("busybox httpd -p 80 -h /srv/www");
    client.waitUntilSucceeds("curl -sf -m 5 http://10.0.10.21/index.html", Duration.ofSeconds(60));
});

meros.subtest("a crashed client is gone", () -> {
    client.crash();
    web.waitUntilFails("busybox ping -c 1 -W 1 10.0.10.22", Duration.ofSeconds(30));   // web has busybox
});

lab.shutdown();
