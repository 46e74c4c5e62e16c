package meros.core.image;

import meros.core.base.ExitCode;
import meros.core.base.MerosException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.LongConsumer;

/** Small HTTP GETs against a distribution mirror (Release files, Alpine tarballs). */
final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(15))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

    private Http() { }

    /** The body, or null when the server answers 404/410; an unreachable mirror is a one-line error. */
    static String getText(String mirror, String url) {
        if (url.startsWith("file:")) {
            Path f = Path.of(URI.create(url));
            try {
                return Files.isRegularFile(f) ? Files.readString(f) : null;
            } catch (IOException e) {
                throw Fs.ioError("reading " + f, e);
            }
        }
        HttpResponse<String> r = send(mirror, url, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404 || r.statusCode() == 410) return null;
        if (r.statusCode() != 200) throw new MerosException(ExitCode.EXTERNAL, "mirror " + mirror + " answered HTTP " + r.statusCode() + " for " + url);
        return r.body();
    }

    /** Downloads to {@code target} (via a temp name next to it); false on 404. */
    static boolean download(String mirror, String url, Path target, LongConsumer bytesSoFar) {
        if (url.startsWith("file:")) {
            Path f = Path.of(URI.create(url));
            if (!Files.isRegularFile(f)) return false;
            try {
                Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                return true;
            } catch (IOException e) {
                throw Fs.ioError("copying " + f, e);
            }
        }
        HttpResponse<InputStream> r = send(mirror, url, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() == 404 || r.statusCode() == 410) return false;
            if (r.statusCode() != 200) throw new MerosException(ExitCode.EXTERNAL, "mirror " + mirror + " answered HTTP " + r.statusCode() + " for " + url);
            Path tmp = target.resolveSibling(target.getFileName() + ".part");
            try (var out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[1 << 16];
                long total = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    total += n;
                    bytesSoFar.accept(total);
                }
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw Fs.ioError("downloading " + url, e);
        }
    }

    private static <T> HttpResponse<T> send(String mirror, String url, HttpResponse.BodyHandler<T> h) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET().build();
            return CLIENT.send(req, h);
        } catch (IllegalArgumentException e) {
            throw MerosException.usage("mirror '" + mirror + "' is not a valid URL");
        } catch (IOException e) {
            throw new MirrorUnreachable("mirror " + mirror + " unreachable: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MerosException(ExitCode.INTERRUPTED, "interrupted while contacting " + mirror);
        }
    }
}
