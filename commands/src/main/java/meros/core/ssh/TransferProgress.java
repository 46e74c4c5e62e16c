package meros.core.ssh;

/** Progress of a push or pull: called as bytes of each file move (large transfers report often, small ones once). */
@FunctionalInterface
public interface TransferProgress {
    void update(String file, long done, long total);

    TransferProgress NONE = (f, d, t) -> { };
}
