package meros.core.manifest;

import java.util.List;
import java.util.Set;

/**
 * What the validator reads, as it reads it: every mapping it opens (with the keys it allows) and every key it
 * asks for (with the type, default and limits the getter enforces). {@link ManifestSchema} runs the real
 * loader over probe manifests with a recording log and turns the record into the JSON Schema, so the schema
 * follows the validator by construction. Loading normally logs nothing.
 */
interface KeyLog {
    /** How a key was read; {@link #DURATION} is whole seconds in min..max, as an integer or as text {@link meros.core.base.Durations} reads. */
    enum Kind { STRING, INTEGER, DURATION, BOOLEAN, CHOICE, LIST, MAPPING, LIST_OF_MAPPINGS }

    /** A mapping at {@code path} was opened; {@code allowed} is null for a mapping of user-given names. */
    void mapping(String path, Set<String> allowed);

    /**
     * {@code key} of the mapping at {@code path} was read as {@code kind}.
     * @param def     the getter's default (null: none)
     * @param min     the smallest allowed integer (a duration's in seconds), or null
     * @param max     the largest allowed integer (a duration's in seconds), or null
     * @param choices the allowed words ({@link Kind#CHOICE}), or null
     */
    void key(String path, String key, Kind kind, Object def, Long min, Long max, List<String> choices);

    /** {@code key} of the mapping at {@code path} is required (the validator reported it missing). */
    void required(String path, String key);

    /**
     * The items of the list {@code key} of the mapping at {@code path} that the validator refuses whatever their
     * neighbours: those matching {@code pattern} (a regular expression, searched in the item as JSON Schema does).
     */
    default void refusedItems(String path, String key, String pattern) { }

    KeyLog NONE = new KeyLog() {
        @Override public void mapping(String path, Set<String> allowed) { }
        @Override public void key(String path, String key, Kind kind, Object def, Long min, Long max, List<String> choices) { }
        @Override public void required(String path, String key) { }
    };
}
