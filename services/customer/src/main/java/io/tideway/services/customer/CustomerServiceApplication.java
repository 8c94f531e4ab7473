package io.tideway.services.customer;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The customer service: registers customers and changes their addresses. */
@SpringBootApplication
@OpenAPIDefinition(
    info =
        @Info(
            title = "Customer service",
            version = "1",
            description =
                "Registers customers and changes their addresses; publishes CustomerCreated and CustomerAddressChanged through its outbox."))
public class CustomerServiceApplication {

  /** Runs the service; settings come from Spring Boot's usual sources. */
  public static void main(String[] args) {
    SpringApplication.run(CustomerServiceApplication.class, args);
  }
}
