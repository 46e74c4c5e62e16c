// cross-smoke: the cross constellation's x86_64 and aarch64 VMs as a test. Each runs its own architecture, they
// reach each other over the shared bridge, and the scenario API (commands, files, console, QMP) works on the
// emulated aarch64 VM as on the x86_64 one.
//   ./meros script --junit build/cross-smoke.xml scripts/cross-smoke.jsh     (as root: cross uses a bridge)
var cross = meros.constellation("cross");
cross.init();
var pc = cross.vm("pc");
var board = cross.vm("board");

meros.subtest("both VMs boot, each on its own architecture", () -> {
    for (var vm : cross.vms()) vm.waitForUnit("multi-user.target", Duration.ofMinutes(10));
    board.waitForConsoleText("Booting Linux on physical CPU");
    if (!pc.succeed("uname -m").strip().equals("x86_64")) throw new IllegalStateException("pc is not x86_64");
    if (!board.succeed("uname -m").strip().equals("aarch64")) throw new IllegalStateException("board is not aarch64");
});

meros.subtest("they reach each other over the bridge", () -> {
    pc.waitUntilSucceeds("ping -c 1 -W 2 10.0.30.22", Duration.ofSeconds(60));
    board.waitUntilSucceeds("ping -c 1 -W 2 10.0.30.21", Duration.ofSeconds(60));
});

meros.subtest("files go both ways on the aarch64 VM", () -> {
    var dir = Files.createTempDirectory("cross-smoke");
    try {
        Files.writeString(dir.resolve("note"), "from the host\n");
        board.copyFromHost(dir.resolve("note"), "/root/note");
        board.succeed("mkdir -p /root/out && cat /root/note > /root/out/echo && dpkg --print-architecture > /root/out/arch");
        board.waitForFile("/root/out/arch");
        board.copyFromVm("/root/out", dir);
        if (!Files.readString(dir.resolve("out/echo")).equals("from the host\n")) throw new IllegalStateException("echo differs");
        if (!Files.readString(dir.resolve("out/arch")).strip().equals("arm64")) throw new IllegalStateException("not an arm64 root");
    } finally {
        FileTrees.deleteTree(dir);
    }
});

meros.subtest("QMP on the aarch64 VM", () -> {
    if (!board.qmp("query-status").path("status").asText().equals("running")) throw new IllegalStateException("board not running");
    if (!board.qmp("query-target").path("arch").asText().equals("aarch64")) throw new IllegalStateException("not qemu-system-aarch64");
    board.qmp("stop");
    board.waitForEvent("STOP", Duration.ofSeconds(30));
    board.qmp("cont");
    board.waitForEvent("RESUME", Duration.ofSeconds(30));
    board.succeed("true");
});

cross.shutdown();
