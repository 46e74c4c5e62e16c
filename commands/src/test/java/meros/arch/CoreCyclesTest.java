package meros.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import meros.core.archcyclea.UsesB;
import meros.core.archcycleb.UsesA;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core's packages ({@code meros.core.base}, {@code meros.core.qemu}, ...) depend on each other without cycles,
 * so each can be read, tested and changed from the bottom ({@code base}, {@code wait}, {@code proc}) up
 * ({@code lifecycle}, then the facade in {@code meros.core}).
 */
class CoreCyclesTest {
    static final ArchRule CORE_PACKAGES_ARE_FREE_OF_CYCLES = slices().matching("meros.core.(*)..")
            .should().beFreeOfCycles()
            .because("a package cycle makes the packages in it one package: none can be understood or changed alone");

    @Test
    void corePackagesAreFreeOfCycles() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("meros.core");
        assertTrue(classes.contain("meros.core.base.MerosException"), "core classes imported");
        CORE_PACKAGES_ARE_FREE_OF_CYCLES.check(classes);
    }

    /** The rule itself detects a cycle (two packages compiled only for this test that use each other). */
    @Test
    void ruleFailsOnACycle() {
        JavaClasses classes = new ClassFileImporter().importClasses(
                UsesB.class, UsesA.class);
        EvaluationResult r = CORE_PACKAGES_ARE_FREE_OF_CYCLES.evaluate(classes);
        assertTrue(r.hasViolation(), "two core packages that use each other must violate the rule");
    }
}
