package meros.core.wait;

/**
 * One look at something a wait is waiting for. A look may block, but only until {@code deadline}
 * (e.g. a queue poll with {@link Deadline#remaining()}).
 */
@FunctionalInterface
public interface Condition<T> {
    Poll<T> check(Deadline deadline) throws Exception;
}
