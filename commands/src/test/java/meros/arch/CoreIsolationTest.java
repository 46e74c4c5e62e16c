package meros.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import meros.core.archfixture.UsesPicocli;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The core ({@code meros.core..}) must not depend on picocli, JLine or the progress bar library: front ends stay thin and replaceable. */
class CoreIsolationTest {
    static final ArchRule CORE_IS_FREE_OF_UI_LIBRARIES = noClasses()
            .that().resideInAPackage("meros.core..")
            .should().dependOnClassesThat().resideInAnyPackage("picocli..", "org.jline..", "me.tongfei.progressbar..")
            .because("meros.core is shared by the CLI, the REPL and scripts; only meros.cli / meros.shell may use them");

    @Test
    void coreDoesNotDependOnPicocliOrJline() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("meros");
        // non-vacuous: the core and the commands really were imported
        assertTrue(classes.contain("meros.core.Meros"), "core classes imported");
        assertTrue(classes.contain("meros.cli.Cli"), "command classes imported");
        CORE_IS_FREE_OF_UI_LIBRARIES.check(classes);
    }

    /** The rule itself detects a violation (a core class using picocli, compiled only for this test). */
    @Test
    void ruleFailsOnAViolation() {
        JavaClasses classes = new ClassFileImporter().importClasses(UsesPicocli.class);
        EvaluationResult r = CORE_IS_FREE_OF_UI_LIBRARIES.evaluate(classes);
        assertTrue(r.hasViolation(), "a meros.core class using picocli must violate the rule");
        assertFalse(r.getFailureReport().getDetails().isEmpty());
    }
}
