package io.tideway.services.customer;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;
import io.tideway.services.starter.IdempotentRequests;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

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

  /** Customers registered at most once per {@code Idempotency-Key}. */
  @Bean
  IdempotentRequests idempotentRequests(DataSource dataSource) {
    return new IdempotentRequests(dataSource);
  }

  /** Runs the service; settings come from Spring Boot's usual sources. */
  public static void main(String[] args) {
    SpringApplication.run(CustomerServiceApplication.class, args);
  }
}
