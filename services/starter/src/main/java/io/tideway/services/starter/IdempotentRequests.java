package io.tideway.services.starter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Creating commands a client may send again — its connection lost before the answer came — made at
 * most once per {@code Idempotency-Key} (the header of the IETF HTTP API draft). The key is claimed
 * in the command's own transaction, with a fingerprint of the request and the id of what it
 * creates: the same key again, with the same request, finds that id, and the client gets what the
 * first request created however often it retries; the same key with another request is refused
 * ({@code 422}). A retry that comes while the first is still running waits for its transaction.
 *
 * <p>The table is {@code idempotent_requests (idempotency_key varchar(255) primary key, fingerprint
 * bytea not null, resource_id uuid not null, created_at timestamptz not null default now())},
 * created by the service's own migration; a service that has it declares this class as a bean. Keys
 * are forgotten after {@link #RETENTION}: a retry comes within minutes.
 */
public class IdempotentRequests {

  /** The request header. */
  public static final String HEADER = "Idempotency-Key";

  /** How long a key is kept. */
  public static final Duration RETENTION = Duration.ofHours(24);

  private static final int LONGEST_KEY = 255;
  private static final Logger log = LoggerFactory.getLogger(IdempotentRequests.class);

  private final JdbcClient jdbc;

  public IdempotentRequests(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /**
   * An {@code Idempotency-Key} header's value, checked: 1 to 255 visible ASCII characters.
   *
   * @return the key, or null without the header
   * @throws CommandRejectedException 400 for a key that is not one
   */
  public static String key(String header) {
    if (header == null) {
      return null;
    }
    if (header.isEmpty()
        || header.length() > LONGEST_KEY
        || !header.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new CommandRejectedException(
          HttpStatus.BAD_REQUEST,
          HEADER + " must be 1 to " + LONGEST_KEY + " visible ASCII characters");
    }
    return header;
  }

  /**
   * The fingerprint of a request, from the parts that make it what it is, in order: a retry must
   * give the same parts.
   */
  public static byte[] fingerprint(Object... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Object part : parts) {
        byte[] bytes = String.valueOf(part).getBytes(StandardCharsets.UTF_8);
        // Each part's length first, so that ("ab", "c") and ("a", "bc") differ.
        sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ':');
        sha.update(bytes);
      }
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * Claims a key for a request about to create {@code resourceId}, in the caller's transaction.
   *
   * @return empty when this request claimed the key (create the resource); else the id of what the
   *     request that claimed it created (create nothing: answer with that)
   * @throws CommandRejectedException 422 when the key was claimed by another request
   * @throws org.springframework.transaction.IllegalTransactionStateException outside a transaction
   */
  public Optional<UUID> claim(String key, byte[] fingerprint, UUID resourceId) {
    CallersTransaction.require("claiming an idempotency key");
    int claimed =
        jdbc.sql(
                """
                INSERT INTO idempotent_requests (idempotency_key, fingerprint, resource_id)
                VALUES (?, ?, ?) ON CONFLICT DO NOTHING
                """)
            .param(key)
            .param(fingerprint)
            .param(resourceId)
            .update();
    if (claimed == 1) {
      return Optional.empty();
    }
    Claim earlier =
        jdbc.sql(
                "SELECT fingerprint, resource_id FROM idempotent_requests WHERE idempotency_key = ?")
            .param(key)
            .query((row, n) -> new Claim(row.getBytes(1), row.getObject(2, UUID.class)))
            .single();
    if (!Arrays.equals(earlier.fingerprint(), fingerprint)) {
      throw new CommandRejectedException(
          HttpStatus.UNPROCESSABLE_CONTENT,
          HEADER + " " + key + " was used for another request; use a new key for a new one");
    }
    return Optional.of(earlier.resourceId());
  }

  private record Claim(byte[] fingerprint, UUID resourceId) {}

  @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
  void forgetOldKeys() {
    int forgotten =
        jdbc.sql(
                "DELETE FROM idempotent_requests WHERE created_at < now() - make_interval(hours =>"
                    + " ?)")
            .param((int) RETENTION.toHours())
            .update();
    if (forgotten > 0) {
      log.info("Forgot {} idempotency keys older than {}", forgotten, RETENTION);
    }
  }
}
