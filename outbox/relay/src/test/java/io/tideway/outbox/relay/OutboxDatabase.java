package io.tideway.outbox.relay;

import io.tideway.outbox.OutboxMigration;
import io.tideway.testkit.TestDatabase;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.ds.PGSimpleDataSource;

/** A test database with the outbox migrated, and rows written to it directly, good or bad. */
final class OutboxDatabase {

  private final String host;
  private final int port;
  private final String name;
  private final String user;
  private final String password;

  OutboxDatabase(TestDatabase database) {
    this(database.host(), database.port(), database.name(), database.user(), database.password());
  }

  /** A database on a server of the test's own; the user needs the {@code REPLICATION} attribute. */
  OutboxDatabase(String host, int port, String name, String user, String password) {
    this.host = host;
    this.port = port;
    this.name = name;
    this.user = user;
    this.password = password;
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(jdbcUrl());
    dataSource.setUser(user);
    dataSource.setPassword(password);
    OutboxMigration.migrate(dataSource);
  }

  OutboxSource source(String sourceName) {
    return new OutboxSource(sourceName, host, port, name, user, password);
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), user, password);
  }

  private String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + name;
  }

  /** A payload in the wire format: magic byte, schema id, then the given body. */
  static byte[] payload(int schemaId, byte... body) {
    return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(schemaId).put(body).array();
  }

  /** Inserts rows, each in a transaction of its own, and returns their ids. */
  List<UUID> insert(String aggregateType, int count) throws SQLException {
    List<UUID> ids = new ArrayList<>();
    try (Connection c = connect()) {
      for (int i = 0; i < count; i++) {
        ids.add(
            insert(
                c, UUID.randomUUID(), aggregateType, "agg-" + (i % 7), payload(1, (byte) i), null));
      }
    }
    return ids;
  }

  static UUID insert(
      Connection c, UUID id, String aggregateType, String aggregateId, byte[] payload, String trace)
      throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
      insert.setObject(1, id);
      insert.setString(2, aggregateType);
      insert.setString(3, aggregateId);
      insert.setString(4, "io.tideway.test.Event");
      insert.setBytes(5, payload);
      insert.setString(6, trace);
      insert.executeUpdate();
    }
    return id;
  }

  /**
   * Starts a thread that writes rows the way a service does under load: one row per transaction, at
   * a steady rate, every tenth transaction rolled back.
   *
   * @param payloadBytes the size of each row's payload body
   */
  Writer startWriting(String aggregateType, int rowsPerSecond, int payloadBytes) {
    return new Writer(this, aggregateType, rowsPerSecond, payloadBytes);
  }

  /** What a writer did: the ids it committed, in order, and those it rolled back. */
  record Written(List<UUID> committed, List<UUID> rolledBack) {}

  /** A writer thread; {@link #stop} ends it and tells what it wrote. */
  static final class Writer implements AutoCloseable {

    private static final int ROLLBACK_EVERY = 10;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final OutboxDatabase database;
    private final String aggregateType;
    private final long periodNanos;
    private final int payloadBytes;
    private final List<UUID> committed = new ArrayList<>();
    private final List<UUID> rolledBack = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Exception failure;

    private Writer(
        OutboxDatabase database, String aggregateType, int rowsPerSecond, int payloadBytes) {
      this.database = database;
      this.aggregateType = aggregateType;
      this.periodNanos = TimeUnit.SECONDS.toNanos(1) / rowsPerSecond;
      this.payloadBytes = payloadBytes;
      this.thread = new Thread(this::write, "outbox-writer-" + aggregateType);
      thread.start();
    }

    private void write() {
      try (Connection c = database.connect()) {
        c.setAutoCommit(false);
        long next = System.nanoTime();
        for (long n = 0; !stopping; n++) {
          UUID id = UUID.randomUUID();
          // Random, as Avro binary nearly is: neither PostgreSQL nor the producer compresses it.
          byte[] body = new byte[payloadBytes];
          ThreadLocalRandom.current().nextBytes(body);
          insert(c, id, aggregateType, "agg-" + (n % 7), payload(1, body), null);
          if (n % ROLLBACK_EVERY == ROLLBACK_EVERY - 1) {
            c.rollback();
            synchronized (this) {
              rolledBack.add(id);
            }
          } else {
            c.commit();
            synchronized (this) {
              committed.add(id);
            }
          }
          next += periodNanos;
          LockSupport.parkNanos(next - System.nanoTime());
        }
      } catch (SQLException | RuntimeException e) {
        failure = e;
      }
    }

    /** How many rows are committed so far; fails when the writer failed. */
    synchronized int committedCount() {
      if (failure != null) {
        throw new IllegalStateException("The outbox writer failed", failure);
      }
      return committed.size();
    }

    /** Stops writing and returns what was written; fails when the writer failed. */
    Written stop() throws InterruptedException {
      stopping = true;
      thread.join(STOP_TIMEOUT.toMillis());
      if (thread.isAlive()) {
        throw new IllegalStateException("The outbox writer did not stop in " + STOP_TIMEOUT);
      }
      if (failure != null) {
        throw new IllegalStateException("The outbox writer failed", failure);
      }
      synchronized (this) {
        return new Written(List.copyOf(committed), List.copyOf(rolledBack));
      }
    }

    @Override
    public void close() {
      stopping = true;
      try {
        thread.join(STOP_TIMEOUT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
