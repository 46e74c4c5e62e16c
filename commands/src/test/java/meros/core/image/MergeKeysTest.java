package meros.core.image;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** meros's key joins the keys an include shipped in authorized_keys; theirs stay, in their order. */
class MergeKeysTest {
    static final String MEROS = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMEROSMEROSMEROS meros@lab/box";
    static final String TEAMMATE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEAMMATETEAMMATE alice@laptop";

    @Test
    void aTeammatesKeyStaysAndMerosKeyIsAppended() {
        assertEquals(TEAMMATE + "\n" + MEROS + "\n", Composer.mergeKeys(TEAMMATE + "\n", MEROS));
    }

    @Test
    void aFileWithoutFinalNewlineOrWithCommentsAndOptionsKeepsThemAll() {
        String existing = "# lab access\nfrom=\"10.0.0.0/8\" " + TEAMMATE;
        assertEquals(existing + "\n" + MEROS + "\n", Composer.mergeKeys(existing, MEROS));
    }

    @Test
    void merosKeyAlreadyPresentUnderAnotherCommentIsNotAddedTwice() {
        String existing = TEAMMATE + "\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMEROSMEROSMEROS copied-by-hand\n";
        assertEquals(existing, Composer.mergeKeys(existing, MEROS));
    }

    @Test
    void anEmptyFileGetsJustMerosKey() {
        assertEquals(MEROS + "\n", Composer.mergeKeys("", MEROS));
    }
}
