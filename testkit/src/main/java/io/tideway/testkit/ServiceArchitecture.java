package io.tideway.testkit;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The layering every reference service keeps, checked on its classes: its {@code domain} package is
 * plain Java, with no framework, messaging, serialization or storage in it, and depends on nothing
 * else of the platform or of the service's other packages.
 */
public final class ServiceArchitecture {

  private ServiceArchitecture() {}

  /**
   * Fails with ArchUnit's report naming each offending dependency.
   *
   * @param servicePackage the service's root package, e.g. {@code io.tideway.services.order}
   */
  public static void check(String servicePackage) {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(servicePackage);
    String domain = servicePackage + ".domain..";
    noClasses()
        .that()
        .resideInAPackage(domain)
        .should()
        .dependOnClassesThat(
            resideInAnyPackage(
                    "org.springframework..",
                    "org.apache.kafka..",
                    "org.apache.avro..",
                    "java.sql..",
                    "javax.sql..",
                    "jakarta..")
                .or(resideInAPackage("io.tideway..").and(not(resideInAPackage(domain)))))
        .check(classes);
  }
}
