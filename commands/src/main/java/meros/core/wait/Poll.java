package meros.core.wait;

/**
 * The outcome of one look at a {@link Condition}: done (with a value), not yet (with what was seen, for the
 * timeout message), or never (a terminal state: the wait ends at once with this reason).
 */
public final class Poll<T> {
    enum Kind { DONE, PENDING, NEVER }

    private final Kind kind;
    private final T value;
    private final String text;

    private Poll(Kind kind, T value, String text) {
        this.kind = kind;
        this.value = value;
        this.text = text;
    }

    /** The condition holds; the wait returns {@code value}. */
    public static <T> Poll<T> done(T value) { return new Poll<>(Kind.DONE, value, null); }

    /** Not yet; {@code seen} describes what was observed (null: nothing worth saying). */
    public static <T> Poll<T> pending(String seen) { return new Poll<>(Kind.PENDING, null, seen); }

    /** The condition can no longer hold (unit not found, failed, VM gone): the wait fails now with {@code why}. */
    public static <T> Poll<T> never(String why) { return new Poll<>(Kind.NEVER, null, why); }

    /** {@code done(true)} or {@code pending(seen)}. */
    public static Poll<Boolean> of(boolean ok, String seen) { return ok ? done(true) : pending(seen); }

    Kind kind() { return kind; }
    public boolean isDone() { return kind == Kind.DONE; }
    /** True for {@link #never}: a terminal state. */
    public boolean isNever() { return kind == Kind.NEVER; }
    /** The value of a {@link #done} look. */
    public T value() { return value; }
    /** What a pending look saw, or why a {@link #never} look ended the wait; null for done. */
    public String text() { return text; }

    @Override
    public String toString() { return kind.name().toLowerCase() + (text == null ? "" : ": " + text); }
}
