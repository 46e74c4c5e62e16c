package meros.core.base;

/** The machine meros runs on, by the names QEMU uses ({@code qemu-system-<name>}). */
public final class HostArch {
    private HostArch() { }

    /**
     * The host's architecture under QEMU's name: {@code x86_64} or {@code aarch64} (the JVM's {@code os.arch} says
     * {@code amd64} for x86_64 and {@code arm64} on some aarch64 JVMs); any other architecture as the JVM names it.
     */
    public static String qemuName() {
        String a = System.getProperty("os.arch", "amd64");
        return switch (a) {
            case "amd64", "x86_64" -> "x86_64";
            case "arm64", "aarch64" -> "aarch64";
            default -> a;
        };
    }
}
