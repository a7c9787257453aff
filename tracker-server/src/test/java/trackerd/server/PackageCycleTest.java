package trackerd.server;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Every package of the daemon (all modules on this module's class path) depends on others in
 * one direction only: e.g. {@code handoff} uses {@code swarm}, never the reverse. An import
 * cycle between packages fails the build here.
 */
class PackageCycleTest {
    static final JavaClasses CLASSES = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        // tracker-common's test-jar is on this class path too: tests may use any package
        .withImportOption(location -> !location.contains("-tests.jar") && !location.contains("test-classes"))
        .importPackages("trackerd");

    @Test
    void packagesShouldBeFreeOfCycles() {
        assertTrue(CLASSES.size() > 50, "the daemon's classes were found: " + CLASSES.size());
        slices().matching("trackerd.(**)").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void swarmPackageShouldNotKnowEventLoopsOrFrontEnds() {
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses().that().resideInAPackage("trackerd.swarm..")
            .should().dependOnClassesThat().resideInAnyPackage("trackerd.handoff..", "trackerd.loop..",
                "trackerd.udp..", "trackerd.http..", "trackerd.ws..", "io.netty.channel..")
            .check(CLASSES);
    }
}
