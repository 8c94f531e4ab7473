package io.tideway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideway.deploy.PlatformEndpoints;
import io.tideway.deploy.embedded.LoopbackPorts;
import io.tideway.deploy.platform.LocalPlatform;
import io.tideway.schemas.serde.AvroSerdeConfig;
import io.tideway.schemas.serde.AvroSerializer;
import io.tideway.schemas.serde.TopicRecordNameStrategy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The platform {@code tideway up} runs, in this JVM, with the reference services and topologies on
 * free ports; and HTTP to its services and runtime, for the end-to-end tests.
 */
final class ReferenceSystemUnderTest implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  private final LocalPlatform platform;
  private final HttpClient http = HttpClient.newHttpClient();

  private ReferenceSystemUnderTest(LocalPlatform platform) {
    this.platform = platform;
  }

  /** Starts a platform on {@code dataDir} with the reference system built into target/reference. */
  static ReferenceSystemUnderTest start(Path dataDir) throws Exception {
    LocalPlatform platform =
        new LocalPlatform(
            new LocalPlatform.Settings(
                dataDir,
                false,
                LoopbackPorts.pickFree(),
                LoopbackPorts.pickFree(),
                LoopbackPorts.pickFree(),
                LoopbackPorts.pickFree(),
                LoopbackPorts.pickFree(),
                new LocalPlatform.ReferenceSystem(
                    Path.of("target", "reference"),
                    Map.of(
                        "customer", LoopbackPorts.pickFree(),
                        "order", LoopbackPorts.pickFree(),
                        "inventory", LoopbackPorts.pickFree()))),
            line -> {});
    platform.start();
    return new ReferenceSystemUnderTest(platform);
  }

  LocalPlatform platform() {
    return platform;
  }

  PlatformEndpoints endpoints() {
    return platform.endpoints();
  }

  /** A service's URL by name ({@code order}), or the URL itself when given one. */
  String service(String name) {
    return name.startsWith("http") ? name : endpoints().services().get(name);
  }

  HttpResponse<String> get(String service, String path) {
    return send(HttpRequest.newBuilder(URI.create(service(service) + path)).build());
  }

  HttpResponse<String> post(String service, String path, String json) {
    return send(
        HttpRequest.newBuilder(URI.create(service(service) + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(request.uri() + " failed", e);
    }
  }

  /** A service's answer as JSON, asserting it is 200. */
  JsonNode json(String service, String path) throws IOException {
    HttpResponse<String> answer = get(service, path);
    assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
  }

  /** The value of a key in a runtime store, asserting it is there. */
  JsonNode stored(String store, String key) throws IOException {
    return json(endpoints().query().url(), "/v1/stores/" + store + "/keys/" + key).get("value");
  }

  /**
   * Publishes an event as a service's outbox would: Avro against the registry, subject by record
   * name, with a new {@code id} header and its {@code eventType}.
   */
  void publish(String topic, String key, SpecificRecord event) throws Exception {
    try (AvroSerializer<Object> serializer = new AvroSerializer<>();
        KafkaProducer<String, Object> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints().kafka().bootstrap()),
                new StringSerializer(),
                serializer)) {
      serializer.configure(
          Map.of(
              AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
              endpoints().registry().url(),
              AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
              TopicRecordNameStrategy.class.getName()),
          false);
      ProducerRecord<String, Object> record = new ProducerRecord<>(topic, key, event);
      record.headers().add("id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
      record
          .headers()
          .add("eventType", event.getSchema().getFullName().getBytes(StandardCharsets.UTF_8));
      producer.send(record).get();
    }
  }

  /** The id of what a {@code 201 Created} answer created. */
  static String created(HttpResponse<String> answer) throws IOException {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
    return JSON.readTree(answer.body()).get("id").asText();
  }

  /** The sum of the Prometheus samples the pattern's first group captures. */
  static double sum(String metrics, String pattern) {
    Matcher m = Pattern.compile(pattern).matcher(metrics);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }

  @Override
  public void close() throws Exception {
    platform.close();
  }
}
