package io.tideway.outbox;

import static io.tideway.outbox.Fixtures.customerCreated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.outbox.Wal.Change;
import io.tideway.schemas.client.MockSchemaRegistry;
import io.tideway.testkit.TestDatabase;
import io.tideway.testkit.TidewayTest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

@TidewayTest
class TransactionalOutboxIT {

  private static final String SLOT = "spring_check";

  private TestDatabase db;
  private String scope;
  private SimpleMeterRegistry meters;
  private AnnotationConfigApplicationContext context;
  private final List<UUID> committed = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp(TestDatabase db) throws SQLException {
    this.db = db;
    DataSource dataSource = Fixtures.dataSource(db);
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE customer (id uuid PRIMARY KEY, name text NOT NULL)");
      OutboxMigration.migrate(dataSource);
      Wal.createSlot(c, SLOT, "test_decoding");
    }
    scope = "transactional-outbox-it-" + UUID.randomUUID();
    meters = new SimpleMeterRegistry();
    Outbox outbox =
        Outbox.builder(Map.of("schema.registry.url", MockSchemaRegistry.PREFIX + scope))
            .meterRegistry(meters)
            .build();
    context = new AnnotationConfigApplicationContext();
    context.registerBean(DataSource.class, () -> dataSource);
    context.registerBean(Outbox.class, () -> outbox);
    context.registerBean(
        TransactionalOutbox.class,
        () -> new TransactionalOutbox(outbox, dataSource, committed::addAll));
    context.register(ServiceConfiguration.class);
    context.refresh();
  }

  @AfterEach
  void tearDown() {
    context.close();
    MockSchemaRegistry.drop(scope);
  }

  @Test
  void shouldCommitTheChangeAndItsEventTogether() throws SQLException {
    // given
    UUID customerId = UUID.randomUUID();
    CustomerRegistration registration = context.getBean(CustomerRegistration.class);

    // when
    UUID eventId = registration.register(customerCreated(customerId));

    // then
    assertThat(customerNames()).containsExactly("Ada Lovelace");
    List<Change> changes = customerThenEvent();
    assertThat(changes).extracting(Change::xid).containsOnly(changes.get(0).xid());
    assertThat(changes.get(1).column("id")).isEqualTo(eventId.toString());
    assertThat(changes.get(1).column("aggregateid")).isEqualTo(customerId.toString());
    assertThat(committed).containsExactly(eventId);
  }

  @Test
  void shouldRollBackTheChangeAndItsEventTogether() throws SQLException {
    // given
    CustomerRegistration registration = context.getBean(CustomerRegistration.class);

    // when
    assertThatThrownBy(() -> registration.registerThenFail(customerCreated(UUID.randomUUID())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("credit check unavailable");

    // then
    assertThat(customerNames()).isEmpty();
    assertThat(changes()).isEmpty();
    assertThat(committed).isEmpty();
  }

  @Test
  void shouldRollBackTheChangeWhenTheEventIsRefused() throws SQLException {
    // given
    CustomerRegistration registration = context.getBean(CustomerRegistration.class);
    CustomerCreated tooLong = customerCreated(UUID.randomUUID(), "x".repeat(1_000_001));

    // when
    assertThatThrownBy(() -> registration.register(tooLong))
        .isInstanceOf(OutboxException.class)
        .hasMessageContaining("over the limit of 1000000 bytes");

    // then
    assertThat(customerNames()).isEmpty();
    assertThat(changes()).isEmpty();
  }

  @Test
  void shouldRefuseToAppendOutsideATransaction() throws SQLException {
    // given
    TransactionalOutbox outbox = context.getBean(TransactionalOutbox.class);
    UUID customerId = UUID.randomUUID();
    OutboxEvent event =
        OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId));

    // when / then
    assertThatThrownBy(() -> outbox.append(event))
        .isInstanceOf(IllegalTransactionStateException.class)
        .hasMessageContaining("No Spring transaction is active")
        .hasMessageContaining("@Transactional");
    assertThat(changes()).isEmpty();
    assertThat(meters.get("tideway.outbox.rejected").tag("reason", "transaction").counter().count())
        .isEqualTo(1);
  }

  @Test
  void shouldRefuseToAppendInATransactionOfAnotherResource() throws SQLException {
    // given: a transaction that binds no connection of the outbox's data source, whose pool hands
    // out connections that do not commit by themselves: the append would be rolled back unseen
    DataSource manualCommit =
        new DelegatingDataSource(Fixtures.dataSource(db)) {
          @Override
          public Connection getConnection() throws SQLException {
            Connection connection = super.getConnection();
            connection.setAutoCommit(false);
            return connection;
          }
        };
    TransactionalOutbox outbox =
        new TransactionalOutbox(context.getBean(Outbox.class), manualCommit, committed::addAll);
    UUID customerId = UUID.randomUUID();
    OutboxEvent event =
        OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId));
    TransactionTemplate elsewhere = new TransactionTemplate(new AnotherResource());

    // when / then
    assertThatThrownBy(() -> elsewhere.executeWithoutResult(status -> outbox.append(event)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("holds no connection of the outbox's data source");
    assertThat(changes()).isEmpty();
    assertThat(committed).isEmpty();
  }

  @Test
  void shouldRefuseToAppendOnceTheTransactionCompletesButInANewOneThere() throws SQLException {
    TransactionalOutbox outbox = context.getBean(TransactionalOutbox.class);
    JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
    PlatformTransactionManager transactions = context.getBean(PlatformTransactionManager.class);
    TransactionTemplate newTransaction = new TransactionTemplate(transactions);
    newTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    UUID customerId = UUID.randomUUID();
    List<RuntimeException> refused = new ArrayList<>();
    List<UUID> appendedAfterwards = new ArrayList<>();

    // when: what a @TransactionalEventListener does, in each phase after the commit
    new TransactionTemplate(transactions)
        .executeWithoutResult(
            status -> {
              jdbc.update(
                  "INSERT INTO customer (id, name) VALUES (?, ?)", customerId, "Ada Lovelace");
              TransactionSynchronizationManager.registerSynchronization(
                  new TransactionSynchronization() {
                    @Override
                    public void afterCommit() {
                      append(outbox, customerId, refused);
                      appendedAfterwards.add(
                          newTransaction.execute(
                              inNew ->
                                  outbox.append(
                                      OutboxEvent.of(
                                          "customer",
                                          customerId.toString(),
                                          customerCreated(customerId)))));
                    }

                    @Override
                    public void afterCompletion(int outcome) {
                      append(outbox, customerId, refused);
                    }
                  });
            });

    // then
    assertThat(refused)
        .hasSize(2)
        .allSatisfy(
            e ->
                assertThat(e)
                    .isInstanceOf(IllegalTransactionStateException.class)
                    .hasMessageContaining("The transaction is completing"));
    List<Change> changes = customerThenEvent();
    assertThat(changes.get(1).column("id")).isEqualTo(appendedAfterwards.get(0).toString());
    assertThat(changes.get(1).xid()).isNotEqualTo(changes.get(0).xid());
    assertThat(committed).containsExactlyElementsOf(appendedAfterwards);
  }

  @Test
  void shouldNameAsCommittedNoEventOfANestedTransactionRolledBackToItsSavepoint()
      throws SQLException {
    // given
    TransactionalOutbox outbox = context.getBean(TransactionalOutbox.class);
    TransactionTemplate nested = transaction(TransactionDefinition.PROPAGATION_NESTED);
    OutboxEvent event = aCustomerCreated();
    List<UUID> kept = new ArrayList<>();

    // when: one event in the transaction, one in a nested one rolled back, one in a nested one
    // within another, kept, and the transaction commits
    transaction(TransactionDefinition.PROPAGATION_REQUIRED)
        .executeWithoutResult(
            status -> {
              kept.add(outbox.append(event));
              nested.executeWithoutResult(
                  savepoint -> {
                    outbox.append(event);
                    savepoint.setRollbackOnly();
                  });
              nested.executeWithoutResult(
                  outer -> kept.add(nested.execute(inner -> outbox.append(event))));
            });

    // then
    assertOnlyCommitted(kept);
  }

  @Test
  void shouldNameAsCommittedNoEventOfANestedTransactionWithinOneRolledBack() throws SQLException {
    // given
    TransactionalOutbox outbox = context.getBean(TransactionalOutbox.class);
    TransactionTemplate nested = transaction(TransactionDefinition.PROPAGATION_NESTED);
    OutboxEvent event = aCustomerCreated();

    // when: the inner of two nested transactions releases its savepoint, the outer rolls back to
    // its own
    transaction(TransactionDefinition.PROPAGATION_REQUIRED)
        .executeWithoutResult(
            status ->
                nested.executeWithoutResult(
                    outer -> {
                      nested.executeWithoutResult(inner -> outbox.append(event));
                      outer.setRollbackOnly();
                    }));

    // then
    assertThat(changes()).isEmpty();
    assertThat(committed).isEmpty();
  }

  @Test
  void shouldNameAsCommittedNoEventAppendedAfterASavepointRolledBackToByHand() throws SQLException {
    // given
    TransactionalOutbox outbox = context.getBean(TransactionalOutbox.class);
    OutboxEvent event = aCustomerCreated();
    List<UUID> kept = new ArrayList<>();

    // when: an event, a savepoint, an event, a rollback to the savepoint, an event
    transaction(TransactionDefinition.PROPAGATION_REQUIRED)
        .executeWithoutResult(
            status -> {
              kept.add(outbox.append(event));
              Object savepoint = status.createSavepoint();
              outbox.append(event);
              status.rollbackToSavepoint(savepoint);
              kept.add(outbox.append(event));
            });

    // then
    assertOnlyCommitted(kept);
  }

  /** The events the WAL holds, and those named as committed, are {@code kept}, in order. */
  private void assertOnlyCommitted(List<UUID> kept) throws SQLException {
    assertThat(changes())
        .filteredOn(change -> change.operation().equals("INSERT"))
        .extracting(change -> change.column("id"))
        .containsExactlyElementsOf(kept.stream().map(UUID::toString).toList());
    assertThat(committed).containsExactlyElementsOf(kept);
  }

  private TransactionTemplate transaction(int propagation) {
    TransactionTemplate template =
        new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
    template.setPropagationBehavior(propagation);
    return template;
  }

  private static OutboxEvent aCustomerCreated() {
    UUID customerId = UUID.randomUUID();
    return OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId));
  }

  private static void append(
      TransactionalOutbox outbox, UUID customerId, List<RuntimeException> refused) {
    try {
      outbox.append(OutboxEvent.of("customer", customerId.toString(), customerCreated(customerId)));
    } catch (RuntimeException e) {
      refused.add(e);
    }
  }

  /** The transactions of a resource other than the outbox's data source. */
  private static final class AnotherResource extends AbstractPlatformTransactionManager {

    @Override
    protected Object doGetTransaction() {
      return new Object();
    }

    @Override
    protected void doBegin(Object transaction, TransactionDefinition definition) {}

    @Override
    protected void doCommit(DefaultTransactionStatus status) {}

    @Override
    protected void doRollback(DefaultTransactionStatus status) {}
  }

  private List<String> customerNames() {
    return context
        .getBean(JdbcTemplate.class)
        .queryForList("SELECT name FROM customer", String.class);
  }

  /** The changes of the WAL, which must be a customer's insert then one event's. */
  private List<Change> customerThenEvent() throws SQLException {
    List<Change> changes = changes();
    assertThat(changes)
        .extracting(Change::table, Change::operation)
        .containsExactly(
            tuple("public.customer", "INSERT"),
            tuple("public.outbox", "INSERT"),
            tuple("public.outbox", "DELETE"));
    return changes;
  }

  private List<Change> changes() throws SQLException {
    try (Connection c = db.connect()) {
      return Wal.changes(c, SLOT);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableTransactionManagement
  static class ServiceConfiguration {

    @Bean
    PlatformTransactionManager transactionManager(
        DataSource dataSource, TransactionalOutbox outbox) {
      DataSourceTransactionManager transactions = new DataSourceTransactionManager(dataSource);
      // What Spring Boot does with the TransactionExecutionListener beans it finds.
      transactions.addListener(outbox);
      return transactions;
    }

    @Bean
    JdbcTemplate jdbcTemplate(DataSource dataSource) {
      return new JdbcTemplate(dataSource);
    }

    @Bean
    CustomerRegistration customerRegistration(JdbcTemplate jdbc, TransactionalOutbox outbox) {
      return new CustomerRegistration(jdbc, outbox);
    }
  }

  /** A service method as a Spring service writes it: the change, then its event. */
  static class CustomerRegistration {

    private final JdbcTemplate jdbc;
    private final TransactionalOutbox outbox;

    CustomerRegistration(JdbcTemplate jdbc, TransactionalOutbox outbox) {
      this.jdbc = jdbc;
      this.outbox = outbox;
    }

    @Transactional
    public UUID register(CustomerCreated created) {
      jdbc.update(
          "INSERT INTO customer (id, name) VALUES (?, ?)",
          created.getCustomerId(),
          created.getName());
      return outbox.append(OutboxEvent.of("customer", created.getCustomerId().toString(), created));
    }

    @Transactional
    public void registerThenFail(CustomerCreated created) {
      register(created);
      throw new IllegalStateException("credit check unavailable");
    }
  }
}
