package meros.core;

public final class Version {
    public static final String VERSION = "0.1.0";
    private Version() { }
}
