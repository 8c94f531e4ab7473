package io.tideway.loadtest.pipeline;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.loadtest.RunContext;
import io.tideway.loadtest.Scenario;
import io.tideway.loadtest.ScratchDatabase;
import io.tideway.loadtest.Workload;
import io.tideway.outbox.Outbox;
import io.tideway.outbox.OutboxEvent;
import io.tideway.outbox.OutboxMigration;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The ceiling the pipeline is measured against: the customer service's registration transaction — a
 * customer row and its {@code CustomerCreated} appended to the outbox, one commit — run straight
 * over JDBC on a database of the run's own, with nothing downstream: no HTTP, no relay, no streams.
 * A record completes when its transaction has committed.
 */
final class InsertOnlyCeiling implements Scenario {

  static final String NAME = "insert-only";

  /** The customer service's table, as its migration creates it. */
  private static final String CUSTOMERS =
      """
      CREATE TABLE customers (
        id           uuid PRIMARY KEY,
        name         varchar(200)  NOT NULL,
        email        varchar(320)  NOT NULL,
        credit_limit numeric(19,2) NOT NULL CHECK (credit_limit >= 0),
        street       varchar(200)  NOT NULL,
        city         varchar(100)  NOT NULL,
        postal_code  varchar(20)   NOT NULL,
        country      char(2)       NOT NULL,
        version      bigint        NOT NULL,
        updated_at   timestamptz   NOT NULL DEFAULT now()
      )""";

  private static final String INSERT =
      "INSERT INTO customers (id, name, email, credit_limit, street, city, postal_code, country,"
          + " version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)";

  private final String serverUrl;
  private final String user;
  private final String password;
  private final String registryUrl;
  private final int connections;
  private final Timeline timeline = new Timeline();

  /**
   * @param serverUrl a JDBC URL of the platform's PostgreSQL server, where the run creates its own
   *     database
   * @param registryUrl the schema registry the outbox serializes against
   * @param connections transactions in flight at most, each on a connection of its own
   */
  InsertOnlyCeiling(
      String serverUrl, String user, String password, String registryUrl, int connections) {
    this.serverUrl = serverUrl;
    this.user = user;
    this.password = password;
    this.registryUrl = registryUrl;
    this.connections = connections;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String unit() {
    return "transactions";
  }

  @Override
  public boolean usesKafka() {
    return false;
  }

  @Override
  public String target() {
    return "registration transactions on PostgreSQL at " + serverUrl;
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("connections", connections);
    return settings;
  }

  /** The run second by second: commits and their latency from intended send time. */
  Timeline timeline() {
    return timeline;
  }

  @Override
  public Workload start(RunContext context) throws Exception {
    ScratchDatabase database =
        ScratchDatabase.create(
            serverUrl,
            "loadtest_ceiling_" + context.runId().replaceAll("[^A-Za-z0-9]", "_").toLowerCase(),
            user,
            password);
    OutboxMigration.migrate(database.dataSource());
    try (Connection c = database.connect();
        Statement s = c.createStatement()) {
      s.execute(CUSTOMERS);
    }
    Transactions transactions = new Transactions(context, database);
    timeline.start();
    return transactions;
  }

  private final class Transactions implements Workload {

    private final RunContext context;
    private final ScratchDatabase database;
    private final Outbox outbox =
        Outbox.builder(Map.of("schema.registry.url", registryUrl)).build();
    private final ExecutorService writers = Executors.newFixedThreadPool(connections);
    private final BlockingQueue<Connection> idle = new ArrayBlockingQueue<>(connections);
    private final Semaphore inFlight = new Semaphore(connections);

    Transactions(RunContext context, ScratchDatabase database) throws SQLException {
      this.context = context;
      this.database = database;
      for (int i = 0; i < connections; i++) {
        Connection c = database.connect();
        c.setAutoCommit(false);
        idle.add(c);
      }
    }

    @Override
    public void send(long sequence, long intendedNanos) throws InterruptedException {
      inFlight.acquire();
      writers.execute(
          () -> {
            Connection c = idle.poll();
            try {
              register(c, sequence);
              long now = context.nanoTime();
              timeline.record((now - intendedNanos) / 1_000);
              context.completed(intendedNanos, now);
            } catch (Exception e) {
              context.fail(e);
            } finally {
              idle.add(c);
              inFlight.release();
            }
          });
    }

    private void register(Connection c, long sequence) throws SQLException {
      UUID id = UUID.randomUUID();
      Address address = new Address("1 Load St", "Berlin", "10115", "DE");
      BigDecimal credit = new BigDecimal("1000.00");
      String email = "load-" + context.runId() + "-" + sequence + "@example.com";
      try (PreparedStatement insert = c.prepareStatement(INSERT)) {
        insert.setObject(1, id);
        insert.setString(2, "Load " + sequence);
        insert.setString(3, email);
        insert.setBigDecimal(4, credit);
        insert.setString(5, address.getStreet());
        insert.setString(6, address.getCity());
        insert.setString(7, address.getPostalCode());
        insert.setString(8, address.getCountry());
        insert.executeUpdate();
        outbox.append(
            c,
            OutboxEvent.of(
                "customer",
                id.toString(),
                new CustomerCreated(
                    id, "Load " + sequence, email, credit, address, Instant.now())));
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }

    @Override
    public void close() throws Exception {
      writers.shutdown();
      writers.awaitTermination(30, TimeUnit.SECONDS);
      for (Connection c : idle) {
        c.close();
      }
      outbox.close();
      timeline.close();
      database.close();
    }
  }
}
