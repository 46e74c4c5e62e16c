package meros.shell;

import meros.core.Constellation;
import meros.core.Machine;
import meros.core.Meros;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The core API's javadoc found from the signatures JShell reports, qualified or through the shell's imports. */
class ApiDocsTest {
    final ApiDocs docs = new ApiDocs(ApiDocsTest.class.getClassLoader());

    @Test
    void methodsAreFoundByNameAndParameterTypesQualifiedOrNot() {
        String one = docs.forSignature("void Machine.waitForUnit(String unit)");
        assertEquals("waitForUnit(String, Duration) with the default 120 s.", one);
        String two = docs.forSignature("void meros.core.Machine.waitForUnit(java.lang.String unit, java.time.Duration timeout)");
        assertTrue(two.startsWith("Waits until the systemd unit is active, checked about once a second."), two);
        assertTrue(two.contains("\n@throws meros.core.wait.WaitFailed  one of those states, naming the unit"), two);
        assertTrue(docs.forSignature("JsonNode Machine.qmp(String command, Map<String, ?> args)").startsWith("qmp(String) with arguments"));
    }

    @Test
    void classesAndNestedClassesToo() {
        assertTrue(docs.forSignature("meros.core.Machine").startsWith("One VM of a constellation"));
        assertEquals("The parts beneath a Machine's verbs.", docs.forSignature("Machine.Plumbing"));
    }

    /** The rule for the core API: every public method of the three facade classes says what it does. */
    @Test
    void everyPublicMethodOfTheFacadeIsDocumented() {
        List<String> missing = new ArrayList<>();
        for (Class<?> c : List.of(Meros.class, Constellation.class, Machine.class,
                Machine.Plumbing.class)) {
            for (Method m : c.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic()) continue;
                StringBuilder sig = new StringBuilder("x " + c.getName().replace('$', '.') + "." + m.getName() + "(");
                for (int i = 0; i < m.getParameterCount(); i++) sig.append(i > 0 ? ", " : "").append(m.getParameterTypes()[i].getSimpleName());
                String sg = sig.append(")").toString().replace("[]", "...");
                if (!m.getName().equals("toString") && docs.forSignature(sg) == null) missing.add(sg);
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void unknownClassesAndUndocumentedMembersHaveNone() {
        assertNull(docs.forSignature("boolean String.isBlank()"));
        assertNull(docs.forSignature("void Machine.noSuchMethod()"));
    }

    @Test
    void javadocBecomesPlainText() {
        assertEquals("Runs x with a (see Machine.push).\n\nNext paragraph.\n@param n how many",
                ApiDocs.plain(" Runs {@code x} with {@link Foo a} (see {@link Machine#push}).\n <p>\n Next paragraph.\n\n @param n how many"));
        assertEquals("Map,Duration,String[]", ApiDocs.simpleTypes("java.util.Map<String, java.util.List<?>> m, java.time.Duration d, String... rest"));
    }
}
