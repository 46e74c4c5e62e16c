package meros.e2e;

import org.junit.jupiter.api.Tag;

/**
 * The same checks as {@link SharingE2ETest} with the mounts served over 9p ({@code MEROS_MOUNT_TRANSPORT=9p}),
 * the transport meros falls back to without root or without virtiofsd.
 */
@Tag("e2e")
class Sharing9pE2ETest extends SharingE2ETest {
    @Override
    String constellation() { return "t14share9p"; }

    @Override
    String forcedTransport() { return "9p"; }
}
