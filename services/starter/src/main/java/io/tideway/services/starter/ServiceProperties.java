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
 * @param instanceId this instance's name in its consumer group ({@code group.instance.id}): static
 *     membership, so an instance restarted after a crash takes its partitions back at once instead
 *     of after the session timeout; when not set, {@code <spring.application.name>-<host>-port<n>}
 *     with the HTTP port ({@code pid<n>} with the process id under a random port): unique on a
 *     host, and stable where restarts keep the host name and the port
 * @param commandsTopic the topic of the service's saga commands, when not its {@link
 *     SagaParticipant#commands()} (to run against differently named topics)
 */
@Validated
@ConfigurationProperties("tideway.service")
public record ServiceProperties(
    @NotBlank String registryUrl,
    String deadLetterTopic,
    Integer listenerRetries,
    Duration listenerBackoff,
    Long parentPid,
    String instanceId,
    String commandsTopic) {

  public ServiceProperties {
    listenerRetries = listenerRetries == null ? 4 : listenerRetries;
    listenerBackoff = listenerBackoff == null ? Duration.ofMillis(500) : listenerBackoff;
  }
}
