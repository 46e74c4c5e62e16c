package meros.core.manifest;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

class MacTest {
    @Test
    void aBridgesAddressIsFixedPerConstellationAndBridgeLocallyAdministeredAndUnicast() {
        String mac = Mac.bridge("lab", "labnet");
        assertEquals(mac, Mac.bridge("lab", "labnet"), "the same on every init");
        assertEquals(mac, Mac.parse(mac), "a valid, normalised MAC");
        int first = HexFormat.fromHexDigits(mac, 0, 2);
        assertEquals(0x02, first & 0x03, "locally administered (bit 1) and unicast (bit 0 clear): " + mac);
        assertNotEquals(mac, Mac.bridge("lab", "labnet2"));
        assertNotEquals(mac, Mac.bridge("lab2", "labnet"), "another constellation's bridge of the same name");
        assertFalse(mac.startsWith("52:54:00:"), "never one of QEMU's guest addresses");
    }
}
