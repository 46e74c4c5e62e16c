package meros.shell;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The static hand-off of live host objects to JShell snippets. Snippet classes are defined in a loader whose
 * parent is the host's loader, so this class (and {@code meros.core.Meros}) is the very same class on both sides:
 * a snippet reading {@code Bindings.get("meros")} gets the object the commands use.
 */
public final class Bindings {
    private static final Map<String, Object> VALUES = new ConcurrentHashMap<>();

    private Bindings() { }

    public static Object get(String name) {
        return VALUES.get(name);
    }

    public static void put(String name, Object value) {
        if (value == null) VALUES.remove(name);
        else VALUES.put(name, value);
    }
}
