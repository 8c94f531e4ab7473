package io.tideway.outbox;

import static io.tideway.outbox.Fixtures.TRACEPARENT;
import static io.tideway.outbox.Fixtures.addressChanged;
import static io.tideway.outbox.Fixtures.customerCreated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.outbox.Wal.Change;
import io.tideway.schemas.client.MockSchemaRegistry;
import io.tideway.schemas.serde.AvroDeserializer;
import io.tideway.schemas.serde.AvroSerializer;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TidewayTest;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@TidewayTest
class OutboxIT {

  private static final String SLOT = "outbox_check";
  private static final String CREATED = "io.tideway.contracts.customer.CustomerCreated";
  private static final String CREATED_SUBJECT = "customer.events-" + CREATED;
  private static final String OTHER_TRACEPARENT =
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";

  private TestDatabase db;
  private String scope;
  private Map<String, Object> serde;
  private Outbox outbox;

  @BeforeEach
  void setUp(TestDatabase db) throws SQLException {
    this.db = db;
    scope = "outbox-it-" + UUID.randomUUID();
    serde = Map.of("schema.registry.url", MockSchemaRegistry.PREFIX + scope);
    outbox = Outbox.builder(serde).build();
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE customer (id uuid PRIMARY KEY, name text NOT NULL)");
      OutboxMigration.migrate(Fixtures.dataSource(db));
      Wal.createSlot(c, SLOT, "test_decoding");
    }
  }

  @AfterEach
  void tearDown() {
    outbox.close();
    MockSchemaRegistry.drop(scope);
  }

  @Test
  void shouldPublishTheInsertInTheWalAndLeaveTheTableEmpty() throws Exception {
    // given
    UUID customerId = UUID.randomUUID();
    CustomerCreated created = customerCreated(customerId);
    OutboxEvent event =
        OutboxEvent.of("customer", customerId.toString(), created).withTraceparent(TRACEPARENT);

    // when
    UUID id;
    try (Connection c = transaction()) {
      id = outbox.append(c, event);
      c.commit();
    }

    // then
    assertThat(id).isEqualTo(event.id());
    assertThat(outboxRows()).isZero();
    List<Change> changes = outboxChanges();
    assertThat(changes).extracting(Change::operation).containsExactly("INSERT", "DELETE");
    Change insert = changes.get(0);
    assertThat(insert.column("id")).isEqualTo(id.toString());
    assertThat(insert.column("aggregatetype")).isEqualTo("customer");
    assertThat(insert.column("aggregateid")).isEqualTo(customerId.toString());
    assertThat(insert.column("type")).isEqualTo(CREATED);
    assertThat(insert.column("tracingspancontext")).isEqualTo(TRACEPARENT);
    assertThat(insert.column("created_at")).isNotNull();
    byte[] payload = insert.bytes("payload");
    assertThat(payload[0]).as("magic byte").isZero();
    assertThat(ByteBuffer.wrap(payload, 1, 4).getInt())
        .as("schema id, registered under the topic and record name")
        .isEqualTo(
            MockSchemaRegistry.scope(scope).id(CREATED_SUBJECT, CustomerCreated.getClassSchema()));
    try (AvroDeserializer<CustomerCreated> deserializer =
        AvroDeserializer.specific(CustomerCreated.class)) {
      deserializer.configure(serde, false);
      assertThat(deserializer.deserialize("customer.events", payload)).isEqualTo(created);
    }
    Change delete = changes.get(1);
    assertThat(delete.column("id")).isEqualTo(id.toString());
    assertThat(delete.xid()).isEqualTo(insert.xid());
  }

  @Test
  void shouldWriteToTheRelayedTableWhateverTheSearchPath() throws Exception {
    // given: a service whose own schema comes first and holds a table named outbox too
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA orders");
      s.execute("CREATE TABLE orders.outbox (LIKE public.outbox)");
    }
    UUID customerId = UUID.randomUUID();
    OutboxEvent event =
        OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId));

    // when
    try (Connection c = transaction()) {
      c.createStatement().execute("SET search_path TO orders, public");
      outbox.append(c, event);
      c.commit();
    }

    // then
    assertThat(allChanges())
        .extracting(Change::table, Change::operation, ch -> ch.column("id"))
        .containsExactly(
            tuple("public.outbox", "INSERT", event.id().toString()),
            tuple("public.outbox", "DELETE", event.id().toString()));
  }

  @Test
  void shouldAppendABatchInOrderInTheCallersTransaction() throws Exception {
    // given
    UUID ada = UUID.randomUUID();
    UUID bob = UUID.randomUUID();
    List<OutboxEvent> events =
        List.of(
            OutboxEvent.of("customer", ada.toString(), customerCreated(ada)),
            OutboxEvent.of("customer", ada.toString(), addressChanged(ada, 2)),
            OutboxEvent.of("customer", bob.toString(), genericCustomerCreated(bob)));

    // when
    List<UUID> ids;
    try (Connection c = transaction()) {
      insertCustomer(c, ada);
      ids = outbox.appendAll(c, events);
      insertCustomer(c, bob);
      c.commit();
    }

    // then
    assertThat(ids).containsExactlyElementsOf(events.stream().map(OutboxEvent::id).toList());
    List<Change> changes = allChanges();
    List<Change> inserts =
        changes.stream()
            .filter(ch -> ch.table().equals("public.outbox") && ch.operation().equals("INSERT"))
            .toList();
    assertThat(inserts)
        .extracting(ch -> ch.column("id"))
        .containsExactlyElementsOf(ids.stream().map(UUID::toString).toList());
    assertThat(inserts)
        .extracting(ch -> ch.column("type"))
        .containsExactly(CREATED, CustomerAddressChanged.getClassSchema().getFullName(), CREATED);
    assertThat(inserts).extracting(ch -> ch.column("tracingspancontext")).containsOnlyNulls();
    assertThat(changes).extracting(Change::xid).containsOnly(changes.get(0).xid());
    assertThat(changes)
        .filteredOn(ch -> ch.operation().equals("DELETE"))
        .extracting(ch -> ch.column("id"))
        .containsExactlyInAnyOrderElementsOf(ids.stream().map(UUID::toString).toList());
    assertThat(MockSchemaRegistry.scope(scope).subjects())
        .containsExactlyInAnyOrder(
            CREATED_SUBJECT,
            "customer.events-" + CustomerAddressChanged.getClassSchema().getFullName());
    try (AvroDeserializer<GenericRecord> deserializer = new AvroDeserializer<>()) {
      deserializer.configure(serde, false);
      GenericRecord generic =
          deserializer.deserialize("customer.events", inserts.get(2).bytes("payload"));
      assertThat(generic.get("customerId").toString()).isEqualTo(bob.toString());
      assertThat(generic.get("name").toString()).isEqualTo("Bob Generic");
    }
    assertThat(outboxRows()).isZero();
  }

  @Test
  void shouldLeaveNothingInTheWalWhenTheCallerRollsBack() throws Exception {
    // given
    UUID customerId = UUID.randomUUID();

    // when
    try (Connection c = transaction()) {
      insertCustomer(c, customerId);
      outbox.append(
          c, OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId)));
      c.rollback();
    }

    // then
    assertThat(allChanges()).isEmpty();
  }

  @Test
  void shouldRefuseARecordMissingARequiredFieldAndWriteNothing() throws Exception {
    // given
    UUID customerId = UUID.randomUUID();
    GenericRecord withoutEmail = genericCustomerCreated(customerId);
    withoutEmail.put("email", null);
    OutboxEvent event = OutboxEvent.of("customer", customerId.toString(), withoutEmail);

    try (Connection c = transaction()) {
      insertCustomer(c, customerId);

      // when / then
      assertThatThrownBy(() -> outbox.append(c, event))
          .isInstanceOf(OutboxException.class)
          .hasMessageStartingWith(
              "Cannot append " + CREATED + " " + event.id() + " of customer " + customerId)
          .hasMessageContaining("null value for (non-nullable) string at CustomerCreated.email");

      // the caller's transaction goes on
      c.commit();
    }
    List<Change> changes = allChanges();
    assertThat(changes).extracting(Change::table).containsExactly("public.customer");
  }

  @Test
  void shouldRefuseAFieldOfTheWrongType() throws Exception {
    // given
    UUID customerId = UUID.randomUUID();
    GenericRecord wrongName = genericCustomerCreated(customerId);
    wrongName.put("name", 42);
    OutboxEvent event = OutboxEvent.of("customer", customerId.toString(), wrongName);

    // when / then
    try (Connection c = transaction()) {
      assertThatThrownBy(() -> outbox.append(c, event))
          .isInstanceOf(OutboxException.class)
          .hasMessageContaining(CREATED)
          .hasMessageContaining("customer " + customerId)
          .hasMessageContaining("value 42 (a java.lang.Integer) cannot be cast")
          .hasCauseInstanceOf(SerializationException.class);
      c.commit();
    }
    assertThat(outboxChanges()).isEmpty();
  }

  @Test
  void shouldRefuseASchemaThatIsNotRegisteredWhenAutoRegistrationIsOff() throws Exception {
    // given
    Map<String, Object> lookUpOnly = new HashMap<>(serde);
    lookUpOnly.put("auto.register.schemas", false);
    UUID customerId = UUID.randomUUID();
    OutboxEvent event =
        OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId));

    // when / then
    try (Outbox strict = Outbox.builder(lookUpOnly).build();
        Connection c = transaction()) {
      assertThatThrownBy(() -> strict.append(c, event))
          .isInstanceOf(OutboxException.class)
          .hasMessageContaining(CREATED + " " + event.id() + " of customer " + customerId)
          .hasMessageContaining("not registered under subject '" + CREATED_SUBJECT + "'");
      c.commit();
    }
    assertThat(outboxChanges()).isEmpty();
  }

  @Test
  void shouldUseTheSubjectNameStrategyTheCallerSets() throws Exception {
    // given
    Map<String, Object> topicNames = new HashMap<>(serde);
    topicNames.put("value.subject.name.strategy", "io.tideway.schemas.serde.TopicNameStrategy");
    UUID customerId = UUID.randomUUID();

    // when
    try (Outbox byTopic = Outbox.builder(topicNames).build();
        Connection c = transaction()) {
      byTopic.append(
          c, OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId)));
      c.commit();
    }

    // then
    assertThat(MockSchemaRegistry.scope(scope).subjects()).containsExactly("customer.events-value");
  }

  @Test
  void shouldRefuseAPayloadOverTheDefaultLimit() throws Exception {
    // given
    UUID customerId = UUID.randomUUID();
    CustomerCreated huge = customerCreated(customerId, "x".repeat(1_000_000));
    int size = serializedSize(huge);
    OutboxEvent event = OutboxEvent.of("customer", customerId.toString(), huge);

    // when / then
    try (Connection c = transaction()) {
      assertThatThrownBy(() -> outbox.append(c, event))
          .isInstanceOf(OutboxException.class)
          .hasMessageContaining(CREATED + " " + event.id() + " of customer " + customerId)
          .hasMessageContaining(
              "its payload is " + size + " bytes, over the limit of 1000000 bytes");
      c.commit();
    }
    assertThat(outboxChanges()).isEmpty();
  }

  @Test
  void shouldAcceptAPayloadOfExactlyTheLimitAndRefuseOneByteMore() throws Exception {
    // given
    UUID customerId = UUID.randomUUID();
    CustomerCreated created = customerCreated(customerId);
    int size = serializedSize(created);
    OutboxEvent event = OutboxEvent.of("customer", customerId.toString(), created);

    try (Outbox exact = Outbox.builder(serde).maxPayloadBytes(size).build();
        Outbox tight = Outbox.builder(serde).maxPayloadBytes(size - 1).build();
        Connection c = transaction()) {
      // when / then
      assertThatThrownBy(() -> tight.append(c, event))
          .isInstanceOf(OutboxException.class)
          .hasMessageContaining(
              "its payload is " + size + " bytes, over the limit of " + (size - 1) + " bytes");
      exact.append(c, event);
      c.commit();
    }
    assertThat(outboxChanges()).extracting(Change::operation).containsExactly("INSERT", "DELETE");
  }

  @Test
  void shouldRefuseAConnectionInAutoCommitMode() throws Exception {
    // given
    UUID customerId = UUID.randomUUID();
    OutboxEvent event =
        OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId));

    // when / then
    try (Connection c = db.connect()) {
      assertThatThrownBy(() -> outbox.append(c, event))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(event.toString())
          .hasMessageContaining("auto-commit mode")
          .hasMessageContaining("caller's transaction");
    }
    assertThat(outboxChanges()).isEmpty();
    assertThat(MockSchemaRegistry.scope(scope).subjects()).as("nothing serialized").isEmpty();
  }

  @Test
  void shouldRefuseAReadOnlyConnection() throws Exception {
    UUID customerId = UUID.randomUUID();
    OutboxEvent event =
        OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId));

    try (Connection c = transaction()) {
      c.setReadOnly(true);
      assertThatThrownBy(() -> outbox.append(c, event))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("read-only");
    }
  }

  @Test
  void shouldTakeTheTraceparentFromTheSourceWhenTheEventHasNone() throws Exception {
    // given
    UUID customerId = UUID.randomUUID();
    List<OutboxEvent> events =
        List.of(
            OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId)),
            OutboxEvent.of("customer", customerId.toString(), addressChanged(customerId, 2))
                .withTraceparent(OTHER_TRACEPARENT));

    // when
    try (Outbox traced =
            Outbox.builder(serde).traceparentSource(() -> Optional.of(TRACEPARENT)).build();
        Connection c = transaction()) {
      traced.appendAll(c, events);
      c.commit();
    }

    // then
    assertThat(outboxChanges())
        .filteredOn(ch -> ch.operation().equals("INSERT"))
        .extracting(ch -> ch.column("tracingspancontext"))
        .containsExactly(TRACEPARENT, OTHER_TRACEPARENT);
  }

  @Test
  void shouldRefuseAnInvalidTraceparentFromTheSource() throws Exception {
    UUID customerId = UUID.randomUUID();
    OutboxEvent event =
        OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId));

    try (Outbox traced =
            Outbox.builder(serde).traceparentSource(() -> Optional.of("01-abc")).build();
        Connection c = transaction()) {
      assertThatThrownBy(() -> traced.append(c, event))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "traceparent from the traceparent source '01-abc' is not a W3C traceparent");
    }
  }

  @Test
  void shouldRefuseTwoEventsWithTheSameId() throws Exception {
    UUID customerId = UUID.randomUUID();
    OutboxEvent event =
        OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId));
    OutboxEvent sameId =
        OutboxEvent.of("customer", customerId.toString(), addressChanged(customerId, 2))
            .withId(event.id());

    try (Connection c = transaction()) {
      assertThatThrownBy(() -> outbox.appendAll(c, List.of(event, sameId)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("events[0] and events[1] have the same id " + event.id());
      c.commit();
    }
    assertThat(outboxChanges()).isEmpty();
  }

  @Test
  void shouldCountAppendedAndRejectedEvents() throws Exception {
    // given
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    UUID customerId = UUID.randomUUID();
    OutboxEvent created =
        OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId));
    OutboxEvent changed =
        OutboxEvent.of("customer", customerId.toString(), addressChanged(customerId, 2));
    GenericRecord broken = genericCustomerCreated(customerId);
    broken.put("email", null);
    OutboxEvent tooLarge =
        OutboxEvent.of(
            "customer", customerId.toString(), customerCreated(customerId, "x".repeat(5_000)));

    // when
    try (Outbox counted =
            Outbox.builder(serde).maxPayloadBytes(2_000).meterRegistry(meters).build();
        Connection c = transaction()) {
      counted.appendAll(c, List.of(created, changed));
      counted.append(c, changed.withId(UUID.randomUUID()));
      assertThatThrownBy(
              () -> counted.append(c, OutboxEvent.of("customer", customerId.toString(), broken)))
          .isInstanceOf(OutboxException.class);
      assertThatThrownBy(() -> counted.append(c, tooLarge)).isInstanceOf(OutboxException.class);
      assertThatThrownBy(() -> counted.appendAll(c, List.of(created, created)))
          .isInstanceOf(IllegalArgumentException.class);
      c.commit();
      try (Connection autoCommit = db.connect()) {
        assertThatThrownBy(() -> counted.append(autoCommit, created))
            .isInstanceOf(IllegalStateException.class);
      }
    }

    // then
    assertThat(appended(meters, CREATED)).isEqualTo(1);
    assertThat(appended(meters, CustomerAddressChanged.getClassSchema().getFullName()))
        .isEqualTo(2);
    assertThat(rejected(meters, "schema")).isEqualTo(1);
    assertThat(rejected(meters, "size")).isEqualTo(1);
    assertThat(rejected(meters, "input")).isEqualTo(2);
    assertThat(rejected(meters, "transaction")).isEqualTo(1);
  }

  // ---- helpers

  private static double appended(SimpleMeterRegistry meters, String eventType) {
    return meters
        .get("tideway.outbox.appended")
        .tags("aggregateType", "customer", "eventType", eventType)
        .counter()
        .count();
  }

  private static double rejected(SimpleMeterRegistry meters, String reason) {
    return meters.get("tideway.outbox.rejected").tag("reason", reason).counter().count();
  }

  /** The wire-format size of a record, as the outbox's serializer writes it. */
  private int serializedSize(CustomerCreated record) {
    try (AvroSerializer<CustomerCreated> serializer = new AvroSerializer<>()) {
      Map<String, Object> config = new HashMap<>(serde);
      config.put("value.subject.name.strategy", "io.tideway.schemas.serde.TopicRecordNameStrategy");
      serializer.configure(config, false);
      return serializer.serialize("customer.events", record).length;
    }
  }

  /** A CustomerCreated as a GenericRecord, as a service without generated classes would build. */
  private static GenericRecord genericCustomerCreated(UUID customerId) {
    Schema schema = CustomerCreated.getClassSchema();
    GenericData.Record address = new GenericData.Record(schema.getField("address").schema());
    address.put("street", "1 Generic Road");
    address.put("city", "Leeds");
    address.put("postalCode", "LS1 1AA");
    address.put("country", "GB");
    GenericData.Record record = new GenericData.Record(schema);
    record.put("customerId", customerId.toString());
    record.put("name", "Bob Generic");
    record.put("email", "bob@example.org");
    record.put(
        "creditLimit", ByteBuffer.wrap(new BigDecimal("250.00").unscaledValue().toByteArray()));
    record.put("address", address);
    record.put("createdAt", 1_740_000_000_000L);
    return record;
  }

  private Connection transaction() throws SQLException {
    Connection c = db.connect();
    c.setAutoCommit(false);
    return c;
  }

  /** Takes the changes committed since the last call. */
  private List<Change> allChanges() throws SQLException {
    try (Connection c = db.connect()) {
      return Wal.changes(c, SLOT);
    }
  }

  /** Takes the changes committed since the last call, and keeps those of the outbox. */
  private List<Change> outboxChanges() throws SQLException {
    try (Connection c = db.connect()) {
      return Wal.outboxChanges(c, SLOT);
    }
  }

  private static void insertCustomer(Connection c, UUID id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO customer VALUES (?, 'someone')")) {
      s.setObject(1, id);
      s.executeUpdate();
    }
  }

  private int outboxRows() throws SQLException {
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM outbox")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
