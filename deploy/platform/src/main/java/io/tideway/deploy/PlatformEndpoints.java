package io.tideway.deploy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where the parts of a running platform answer, as written to {@code endpoints.json} in the data
 * directory by {@code tideway up} and read by every other command to find the local platform.
 *
 * <p>A part that the platform does not run is absent (null), never an empty placeholder.
 *
 * @param kafka the broker
 * @param postgres the PostgreSQL server
 * @param registry the schema registry
 * @param relay the outbox relay's health and metrics
 * @param query the interactive-query API of the runtime
 * @param services each reference service's base URL by service name
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record PlatformEndpoints(
    Kafka kafka,
    Postgres postgres,
    Http registry,
    Http relay,
    Http query,
    Map<String, String> services) {

  /** The file name inside the data directory. */
  public static final String FILE_NAME = "endpoints.json";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * The broker's address.
   *
   * @param bootstrap {@code host:port} for {@code bootstrap.servers}
   */
  public record Kafka(String bootstrap) {}

  /**
   * The PostgreSQL server.
   *
   * @param jdbcUrl URL of the server's {@code postgres} database
   * @param user the administrative user
   */
  public record Postgres(String jdbcUrl, String user) {}

  /**
   * An HTTP endpoint.
   *
   * @param url its base URL
   */
  public record Http(String url) {}

  public PlatformEndpoints {
    services = services == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(services));
  }

  /** Endpoints of a platform that runs only a broker and PostgreSQL. */
  public static PlatformEndpoints of(Kafka kafka, Postgres postgres) {
    return new PlatformEndpoints(kafka, postgres, null, null, null, Map.of());
  }

  /** This as JSON text. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses JSON text written by {@link #toJson()}. */
  public static PlatformEndpoints fromJson(String json) throws IOException {
    return JSON.readValue(json, PlatformEndpoints.class);
  }

  /**
   * Writes {@code endpoints.json} into the data directory, replacing any earlier one atomically.
   */
  public void writeTo(Path dataDir) throws IOException {
    Path tmp = Files.createTempFile(dataDir, FILE_NAME, ".tmp");
    Files.writeString(tmp, toJson());
    Files.move(tmp, dataDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads {@code endpoints.json} from a data directory; empty when no platform runs there. */
  public static Optional<PlatformEndpoints> readFrom(Path dataDir) throws IOException {
    try {
      return Optional.of(fromJson(Files.readString(dataDir.resolve(FILE_NAME))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Removes {@code endpoints.json} from a data directory, if present. */
  public static void deleteFrom(Path dataDir) throws IOException {
    Files.deleteIfExists(dataDir.resolve(FILE_NAME));
  }
}
