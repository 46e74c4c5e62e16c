package meros.core.image;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporary paths of builds in progress. They are removed when the build ends (success or failure) and, should
 * the JVM be stopped mid-build (Ctrl-C in a one-shot run), by a shutdown hook, so no partial output or cache
 * entry outlives the process. Running VMs and other child processes are not touched.
 */
final class InFlight {
    private static final Set<Path> PATHS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> PATHS.forEach(Fs::deleteQuietly), "meros-build-cleanup"));
    }

    private InFlight() { }

    static Path track(Path p) {
        PATHS.add(p);
        return p;
    }

    /** Deletes (best effort) and forgets. */
    static void release(Path p) {
        Fs.deleteQuietly(p);
        PATHS.remove(p);
    }

    /** Forgets without deleting (the path was renamed into place). */
    static void forget(Path p) { PATHS.remove(p); }
}
