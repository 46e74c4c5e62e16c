package meros.core.manifest;

/** One validation problem, located in the manifest file (1-based line and column). */
public record Problem(String file, int line, int column, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
