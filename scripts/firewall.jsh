// firewall: the lab's nftables policy seen from inside the guests. lab's bridge labnet is host-access with
// allowed_ports [22, 80, 8080]: a guest may reach those ports on the host (the gateway 10.0.10.1) and no other.
// This script runs two small HTTP servers on the gateway (in this JVM) and asks the client to fetch from both.
//   ./meros script --junit build/firewall.xml scripts/firewall.jsh     (as root: lab uses a bridge)
var lab = meros.constellation("lab");
lab.init();
var client = lab.vm("client");
var web = lab.vm("web");

com.sun.net.httpserver.HttpServer serve(int port) throws java.io.IOException {
    var s = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("10.0.10.1", port), 0);
    s.createContext("/", x -> {
        byte[] b = ("gateway " + port + "\n").getBytes();
        x.sendResponseHeaders(200, b.length);
        x.getResponseBody().write(b);
        x.close();
    });
    s.start();
    return s;
}
var allowed = serve(8080);
var denied = serve(9090);

meros.subtest("the host's servers answer on the host", () -> {
    for (int port : new int[] {8080, 9090}) {
        try (var sock = new java.net.Socket("10.0.10.1", port)) { }
        catch (java.io.IOException e) { throw new IllegalStateException("gateway port " + port + " is not open on the host", e); }
    }
});

meros.subtest("an allowed port on the gateway is reachable from a guest", () -> {
    client.waitForUnit("multi-user.target", Duration.ofMinutes(5));
    var got = client.succeed("curl -sf -m 5 http://10.0.10.1:8080/");
    if (!got.equals("gateway 8080\n")) throw new IllegalStateException("got '" + got + "'");
});

meros.subtest("a port not in allowed_ports is not", () -> {
    var r = client.execute("curl -s -m 5 -o /dev/null http://10.0.10.1:9090/");
    if (r.ok()) throw new IllegalStateException("the guest reached port 9090 on the host");
    client.fail("curl -sf -m 5 http://10.0.10.1:9090/");
});

meros.subtest("guests on the same bridge reach each other", () -> {
    web.waitForUnit("multi-user.target", Duration.ofMinutes(5));
    web.succeed("busybox ping -c 1 -W 5 10.0.10.22");   // web has busybox
});

allowed.stop(0);
denied.stop(0);
lab.shutdown();
