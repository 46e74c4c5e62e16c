package meros.core.wait;

import java.time.Duration;

/**
 * The named timeouts of meros' waits, with their defaults. A wait that takes a {@code Duration} argument uses
 * it instead; these apply when none is given.
 */
public final class Timeouts {
    private Timeouts() { }

    /** Scenario waits ({@code waitUntilSucceeds}, {@code waitForUnit}, ...) without a timeout: 120 s. */
    public static final Duration SCENARIO_WAIT = Duration.ofSeconds(120);
    /** One guest command ({@code execute}, {@code succeed}, {@code fail}): 10 min, as the NixOS test driver. */
    public static final Duration COMMAND = Duration.ofMinutes(10);
    /**
     * After a guest command's exit status arrived: how long its output may still trail in before the channel is
     * closed (a process it left in the background may hold the output open forever): 1 s.
     */
    public static final Duration EXIT_OUTPUT_GRACE = Duration.ofSeconds(1);
    /** Pause between two looks of a polling wait unless the wait sets its own: 100 ms. */
    public static final Duration POLL = Duration.ofMillis(100);
    /** Pause between two guest commands of a retrying scenario wait: 1 s (each look is a command in the guest). */
    public static final Duration GUEST_POLL = Duration.ofSeconds(1);
    /** Pause between two looks at the serial console log: 200 ms. */
    public static final Duration CONSOLE_POLL = Duration.ofMillis(200);
    /** One QMP request's reply: 10 s. */
    public static final Duration QMP_REPLY = Duration.ofSeconds(10);
    /** Connecting to a QMP socket, greeting and capabilities included: 10 s. */
    public static final Duration QMP_CONNECT = Duration.ofSeconds(10);
    /** A process (QEMU) to be gone after SIGKILL or {@code quit}: 10 s. */
    public static final Duration PROCESS_GONE = Duration.ofSeconds(10);
    /** Pause between two looks at whether a process is gone: 100 ms (a {@code ProcessHandle} cannot block on a foreign process cheaply). */
    public static final Duration PROCESS_POLL = Duration.ofMillis(100);
    /** After an event connection dropped: how long QEMU may take to be reaped before its state is reported: 1 s. */
    public static final Duration CRASH_SETTLE = Duration.ofSeconds(1);
    /** Pause between two looks at a guest-agent command's status: 10 ms, doubling up to {@link #AGENT_POLL_MAX}. */
    public static final Duration AGENT_POLL_MIN = Duration.ofMillis(10);
    /** Longest pause between two looks at a guest-agent command's status: 200 ms. */
    public static final Duration AGENT_POLL_MAX = Duration.ofMillis(200);
    /** A guest-agent helper command (mkdir, test -d) during push/pull: 2 min. */
    public static final Duration AGENT_HELPER = Duration.ofMinutes(2);
    /** The local waypipe client to create its socket: 10 s. */
    public static final Duration WAYPIPE_SOCKET = Duration.ofSeconds(10);
    /** {@code meros run}'s own commands have no practical limit: 1 day (Ctrl-C ends them). */
    public static final Duration INTERACTIVE_COMMAND = Duration.ofDays(1);
    /** {@code qemu-system-*} to daemonize (it returns once the VM is set up): 90 s. */
    public static final Duration QEMU_START = Duration.ofSeconds(90);
    /** {@code qemu-img create} of an overlay: 60 s. */
    public static final Duration QEMU_IMG = Duration.ofSeconds(60);
    /** A VM's {@code query-status} for {@code status()}/{@code info}, connect and reply each: 3 s. */
    public static final Duration QMP_STATUS = Duration.ofSeconds(3);
    /** Each QMP step of stopping a VM ({@code system_powerdown}, {@code quit}): 5 s. */
    public static final Duration QMP_STOP_STEP = Duration.ofSeconds(5);
    /** How long a stop waits for the ACPI button before also asking the guest agent: at most 3 s. */
    public static final Duration ACPI_FIRST = Duration.ofSeconds(3);
    /** How often a stop presses the ACPI button again while the guest has not powered off: every 5 s. */
    public static final Duration ACPI_REPEAT = Duration.ofSeconds(5);
    /** A QMP query for the shell (e.g. {@code query-commands}): 30 s. */
    public static final Duration QMP_QUERY = Duration.ofSeconds(30);
    /** A snapshot through the human monitor ({@code savevm} copies the guest's RAM): 10 min. */
    public static final Duration SNAPSHOT = Duration.ofMinutes(10);
    /** Connecting to the guest agent and each of its replies: 10 s. */
    public static final Duration AGENT_REPLY = Duration.ofSeconds(10);
    /** The default limit of a clean {@code reboot()} unless the VM's boot timeout is longer: 120 s. */
    public static final Duration REBOOT = Duration.ofSeconds(120);

    /** How much longer than its timeout a wait must have taken before its message also says how long it really took: 1 s. */
    static final Duration OVERRUN_WORTH_SAYING = Duration.ofSeconds(1);
}
