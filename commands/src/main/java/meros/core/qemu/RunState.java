package meros.core.qemu;

import java.util.Locale;

/**
 * A VM's state: QEMU's {@code RunState} as QMP {@code query-status} reports it while QEMU lives, or what meros
 * finds when it does not ({@link #STOPPED}, {@link #CRASHED}, {@link #SHUT_DOWN}) or cannot ask
 * ({@link #UNREACHABLE}). {@link #toString()} is the text users see ({@code running}, {@code shut down}, ...).
 */
public enum RunState {
    // QEMU's RunState values (qapi/run-state.json), named as QMP names them
    DEBUG("debug"), INMIGRATE("inmigrate"), INTERNAL_ERROR("internal-error"), IO_ERROR("io-error"), PAUSED("paused"),
    POSTMIGRATE("postmigrate"), PRELAUNCH("prelaunch"), FINISH_MIGRATE("finish-migrate"), RESTORE_VM("restore-vm"),
    RUNNING("running"), SAVE_VM("save-vm"), SHUTDOWN("shutdown"), SUSPENDED("suspended"), WATCHDOG("watchdog"),
    GUEST_PANICKED("guest-panicked"), COLO("colo"),
    /** QMP answered with a state this list does not know. */
    UNKNOWN("unknown"),
    // without a live QEMU
    /** Never started, or cleanly shut down (no {@code vm.json} left). */
    STOPPED("stopped"),
    /** QEMU is gone without a shutdown. */
    CRASHED("crashed"),
    /** QEMU is gone after the guest powered off. */
    SHUT_DOWN("shut down"),
    /** QEMU is alive, but its QMP monitor does not answer. */
    UNREACHABLE("unreachable");

    private final String text;

    RunState(String text) { this.text = text; }

    /** The state QMP names {@code status} ({@code query-status}), {@link #UNKNOWN} for a name not in QEMU's list. */
    public static RunState ofQmp(String status) {
        String s = status == null ? "" : status.strip().toLowerCase(Locale.ROOT);
        for (RunState r : values()) if (r.ordinal() < UNKNOWN.ordinal() && r.text.equals(s)) return r;
        return UNKNOWN;
    }

    /**
     * The QMP command that lets a guest whose CPUs are stopped run again: {@code cont} for one paused ({@code stop},
     * a finished migration, a debugger), {@code system_wakeup} for one suspended to RAM; null when it is running or
     * cannot run again.
     */
    public String wakeCommand() {
        return switch (this) {
            case PAUSED, POSTMIGRATE, DEBUG -> "cont";
            case SUSPENDED -> "system_wakeup";
            default -> null;
        };
    }

    /**
     * Whether QEMU lives but its guest can neither run again nor power off: it panicked, stopped on an internal or I/O
     * error, powered off under {@code -no-shutdown}, or was never started ({@code prelaunch}, {@code inmigrate}
     * waiting for a migration that will not come).
     */
    public boolean guestCannotRun() {
        return switch (this) {
            case GUEST_PANICKED, INTERNAL_ERROR, IO_ERROR, SHUTDOWN, INMIGRATE, PRELAUNCH -> true;
            default -> false;
        };
    }

    /** Whether a QEMU process is behind this state. */
    public boolean live() { return ordinal() <= UNKNOWN.ordinal() || this == UNREACHABLE; }

    /** The state as users see it, e.g. {@code running}, {@code shut down}. */
    @Override
    public String toString() { return text; }
}
