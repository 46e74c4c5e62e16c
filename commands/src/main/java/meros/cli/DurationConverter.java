package meros.cli;

import meros.core.base.Durations;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;

/**
 * An option's value as a {@link Duration} of whole seconds, as {@link Durations} reads it: {@code 90}, {@code 90s},
 * {@code 2min}, {@code 1h 30min}; 0 or more. A refusal is a usage error whose one line picocli prints as
 * {@code Invalid value for option '--timeout': <reason>}. Use it with {@code converter = DurationConverter.class}
 * and a {@code defaultValue} written the same way.
 */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Duration.ofSeconds(Durations.seconds(value));
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
