package io.tideway.services.inventory;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The inventory service: the product catalogue and each product's stock. */
@SpringBootApplication
@OpenAPIDefinition(
    info =
        @Info(
            title = "Inventory service",
            version = "1",
            description =
                "The product catalogue and each product's stock; publishes ProductAdded and StockAdjusted."))
public class InventoryServiceApplication {

  /** Runs the service; settings come from Spring Boot's usual sources. */
  public static void main(String[] args) {
    SpringApplication.run(InventoryServiceApplication.class, args);
  }
}
