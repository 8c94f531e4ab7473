package io.tideway.services.order;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;
import io.tideway.services.starter.IdempotentRequests;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The order service: takes orders and keeps their shipping addresses current with the customer's
 * address, which it learns from the customer service's events only.
 */
@SpringBootApplication
@OpenAPIDefinition(
    info =
        @Info(
            title = "Order service",
            version = "1",
            description =
                "Takes orders and keeps their shipping addresses current from the customer service's events; publishes OrderPlaced and OrderShippingAddressUpdated."))
public class OrderServiceApplication {

  /** Orders placed at most once per {@code Idempotency-Key}. */
  @Bean
  IdempotentRequests idempotentRequests(DataSource dataSource) {
    return new IdempotentRequests(dataSource);
  }

  /** Runs the service; settings come from Spring Boot's usual sources. */
  public static void main(String[] args) {
    SpringApplication.run(OrderServiceApplication.class, args);
  }
}
