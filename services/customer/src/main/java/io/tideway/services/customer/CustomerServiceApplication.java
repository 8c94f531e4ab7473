package io.tideway.services.customer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The customer service: registers customers and changes their addresses. */
@SpringBootApplication
public class CustomerServiceApplication {

  /** Runs the service; settings come from Spring Boot's usual sources. */
  public static void main(String[] args) {
    SpringApplication.run(CustomerServiceApplication.class, args);
  }
}
