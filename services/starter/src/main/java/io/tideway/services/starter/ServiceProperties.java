package io.tideway.services.starter;

import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The platform settings of a service, under {@code tideway.service}.
 *
 * @param registryUrl the schema registry the outbox serializes events against ({@code
 *     schema.registry.url})
 * @param deadLetterTopic where a listener's record goes once its retries are spent; {@code
 *     <spring.application.name>.dlq} when not set
 * @param listenerRetries how many times a listener retries a failed record before it dead-letters
 *     it
 * @param listenerBackoff the wait before the first retry, doubled before each next one
 * @param parentPid the process that started this one, if the service should end with it
 */
@Validated
@ConfigurationProperties("tideway.service")
public record ServiceProperties(
    @NotBlank String registryUrl,
    String deadLetterTopic,
    Integer listenerRetries,
    Duration listenerBackoff,
    Long parentPid) {

  public ServiceProperties {
    listenerRetries = listenerRetries == null ? 4 : listenerRetries;
    listenerBackoff = listenerBackoff == null ? Duration.ofMillis(500) : listenerBackoff;
  }
}
