package io.tideway.loadtest.modulith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The peer of the pipeline benchmark: what a Spring team would build instead of Tideway's outbox
 * and relay. {@code POST /customers} stores a customer and publishes {@link CustomerRegistered} in
 * one transaction; Spring Modulith's event publication registry (JDBC) records the publication in
 * that transaction and its Kafka externalization sends the event after the commit.
 *
 * <p>Run it with {@code java -jar tideway-loadtest-modulith-peer-*-exec.jar}; settings come from
 * Spring Boot's usual sources, such as {@code SPRING_DATASOURCE_URL} and {@code
 * SPRING_KAFKA_BOOTSTRAP_SERVERS}.
 */
@SpringBootApplication
public class ModulithPeerApplication {

  /** Runs the peer. */
  public static void main(String[] args) {
    SpringApplication.run(ModulithPeerApplication.class, args);
  }
}
