package io.tideway.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.schemas.client.HttpSchemaRegistryClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class AvroSerdeConfigTest {

  private static final String URL = "http://registry:8081";

  private static Map<String, Object> with(Object... keysAndValues) {
    Map<String, Object> map = new HashMap<>();
    map.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, URL);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  @Test
  void shouldTakeConfluentsDefaults() {
    // when
    AvroSerdeConfig config = new AvroSerdeConfig(with());

    // then
    assertThat(config.schemaRegistryUrls()).containsExactly(URL);
    assertThat(config.autoRegisterSchemas()).isTrue();
    assertThat(config.useLatestVersion()).isFalse();
    assertThat(config.specificAvroReader()).isFalse();
    assertThat(config.useLogicalTypeConverters()).isFalse();
    assertThat(config.subjectNameStrategy(false)).isInstanceOf(TopicNameStrategy.class);
    assertThat(config.subjectNameStrategy(true)).isInstanceOf(TopicNameStrategy.class);
    assertThat(config.cacheCapacity()).isEqualTo(1000);
    assertThat(config.latestCacheTtl().isNegative()).isTrue();
    assertThat(config.httpSettings()).isEqualTo(HttpSchemaRegistryClient.Settings.DEFAULTS);
  }

  @Test
  void shouldIgnoreTheRestOfAProducerConfiguration() {
    // given
    Map<String, Object> producer =
        with(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            "localhost:9092",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.ACKS_CONFIG,
            "all",
            "some.plugin.setting",
            new Object());

    // when
    AvroSerdeConfig config = new AvroSerdeConfig(producer);

    // then
    assertThat(config.schemaRegistryUrls()).containsExactly(URL);
  }

  @Test
  void shouldTakeBasicAuthenticationFromUserInfoAsConfluentsSerdesDo() {
    assertThat(new AvroSerdeConfig(with()).basicAuthUserInfo()).isNull();
    assertThat(
            new AvroSerdeConfig(
                    with(
                        AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG,
                        "reader:s3cret",
                        AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG,
                        "URL"))
                .basicAuthUserInfo())
        .as("from the URLs, the user info is not used")
        .isNull();

    AvroSerdeConfig config =
        new AvroSerdeConfig(
            with(
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG,
                "USER_INFO",
                AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG,
                "reader:s3cret"));

    assertThat(config.basicAuthUserInfo()).isEqualTo("reader:s3cret");
    assertThat(config.values().toString()).doesNotContain("s3cret");
  }

  @Test
  void shouldRefuseUserInfoAuthenticationWithoutUserInfoAndAnUnknownSource() {
    AvroSerdeConfig without =
        new AvroSerdeConfig(
            with(AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO"));
    assertThatThrownBy(without::basicAuthUserInfo)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG);
    assertThatThrownBy(
            () ->
                new AvroSerdeConfig(
                    with(AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "SASL_INHERIT")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG);
  }

  @Test
  void shouldRequireTheRegistryUrl() {
    assertThatThrownBy(() -> new AvroSerdeConfig(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.url");
    assertThatThrownBy(
            () -> new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.url");
  }

  @Test
  void shouldRefuseAUrlThatIsNotHttpOrMockWithoutShowingCredentials() {
    assertThatThrownBy(
            () ->
                new AvroSerdeConfig(
                    Map.of(
                        AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
                        "ftp://user:s3cret@registry:21")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.url")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(
            () ->
                new AvroSerdeConfig(
                    Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://a,http://b:1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("must be the only one");
  }

  @Test
  void shouldAcceptSeveralUrlsAndAMockUrl() {
    assertThat(
            new AvroSerdeConfig(
                    Map.of(
                        AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
                        "http://a:8081, https://b:8081"))
                .schemaRegistryUrls())
        .containsExactly("http://a:8081", "https://b:8081");
    assertThat(
            new AvroSerdeConfig(
                    Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://config-test"))
                .schemaRegistryUrls())
        .containsExactly("mock://config-test");
  }

  @Test
  void shouldMapConfluentsStrategyNamesToOurs() {
    // when
    AvroSerdeConfig config =
        new AvroSerdeConfig(
            with(
                AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY_CONFIG,
                "io.confluent.kafka.serializers.subject.RecordNameStrategy",
                AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
                "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"));

    // then
    assertThat(config.subjectNameStrategy(true)).isInstanceOf(RecordNameStrategy.class);
    assertThat(config.subjectNameStrategy(false)).isInstanceOf(TopicRecordNameStrategy.class);
    assertThat(
            new AvroSerdeConfig(
                    with(
                        AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
                        "io.confluent.kafka.serializers.subject.TopicNameStrategy"))
                .subjectNameStrategy(false))
        .isInstanceOf(TopicNameStrategy.class);
  }

  @Test
  void shouldTakeOurStrategiesByNameOrClass() {
    // when
    AvroSerdeConfig config =
        new AvroSerdeConfig(
            with(
                AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY_CONFIG,
                RecordNameStrategy.class.getName(),
                AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
                TopicRecordNameStrategy.class));

    // then
    assertThat(config.subjectNameStrategy(true)).isInstanceOf(RecordNameStrategy.class);
    assertThat(config.subjectNameStrategy(false)).isInstanceOf(TopicRecordNameStrategy.class);
  }

  @Test
  void shouldRefuseAStrategyThatCannotBeUsedNamingTheKey() {
    assertThatThrownBy(
            () ->
                new AvroSerdeConfig(
                    with(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY_CONFIG, "com.example.Nope")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("value.subject.name.strategy")
        .hasMessageContaining("com.example.Nope");
    assertThatThrownBy(
            () ->
                new AvroSerdeConfig(
                    with(AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY_CONFIG, String.class.getName())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("key.subject.name.strategy")
        .hasMessageContaining("does not implement");
  }

  @Test
  void shouldRefuseBadValuesNamingTheKey() {
    assertThatThrownBy(
            () -> new AvroSerdeConfig(with(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, "maybe")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auto.register.schemas");
    assertThatThrownBy(() -> new AvroSerdeConfig(with(AvroSerdeConfig.MAX_RETRIES_CONFIG, -1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max.retries");
    assertThatThrownBy(
            () -> new AvroSerdeConfig(with(AvroSerdeConfig.REQUEST_TIMEOUT_MS_CONFIG, "soon")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.request.timeout.ms");
    assertThatThrownBy(
            () ->
                new AvroSerdeConfig(
                        with(
                            AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG, 500,
                            AvroSerdeConfig.RETRIES_MAX_WAIT_MS_CONFIG, 100))
                    .httpSettings())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("retries.max.wait.ms");
    assertThatThrownBy(
            () ->
                new AvroSerdeConfig(
                    with(AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE_CONFIG, "com.example.Nope")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("specific.avro.value.type");
  }

  @Test
  void shouldBuildTheHttpSettingsFromTheirKeys() {
    // when
    AvroSerdeConfig config =
        new AvroSerdeConfig(
            with(
                AvroSerdeConfig.CONNECT_TIMEOUT_MS_CONFIG, "1500",
                AvroSerdeConfig.REQUEST_TIMEOUT_MS_CONFIG, 2500,
                AvroSerdeConfig.MAX_RETRIES_CONFIG, 4,
                AvroSerdeConfig.RETRIES_WAIT_MS_CONFIG, 50,
                AvroSerdeConfig.RETRIES_MAX_WAIT_MS_CONFIG, 800,
                AvroSerdeConfig.MAX_SCHEMAS_PER_SUBJECT_CONFIG, 10,
                AvroSerdeConfig.LATEST_CACHE_TTL_SEC_CONFIG, 30));

    // then
    assertThat(config.httpSettings())
        .isEqualTo(
            new HttpSchemaRegistryClient.Settings(
                Duration.ofMillis(1500),
                Duration.ofMillis(2500),
                4,
                Duration.ofMillis(50),
                Duration.ofMillis(800)));
    assertThat(config.cacheCapacity()).isEqualTo(10);
    assertThat(config.latestCacheTtl()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void shouldDocumentEveryKey() {
    assertThat(AvroSerdeConfig.configDef().configKeys().values())
        .allSatisfy(key -> assertThat(key.documentation).isNotBlank())
        .extracting(key -> key.name)
        .contains(
            "schema.registry.url",
            "auto.register.schemas",
            "use.latest.version",
            "specific.avro.reader",
            "key.subject.name.strategy",
            "value.subject.name.strategy",
            "schema.registry.request.timeout.ms",
            "max.retries",
            "max.schemas.per.subject");
  }
}
