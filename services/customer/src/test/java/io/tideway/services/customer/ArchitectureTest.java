package io.tideway.services.customer;

import io.tideway.testkit.ServiceArchitecture;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

  @Test
  void domainIsPlainJavaAndDependsOnNoOtherLayer() {
    ServiceArchitecture.check("io.tideway.services.customer");
  }
}
