package io.tideway.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * An {@link Outbox} for Spring services: appends events in the current Spring transaction, on the
 * connection it holds for the data source, such as the one a {@code DataSourceTransactionManager},
 * {@code JdbcTemplate} or {@code JdbcClient} uses. Needs {@code spring-jdbc}, which the plain JDBC
 * outbox does without.
 *
 * <pre>{@code
 * @Bean
 * TransactionalOutbox outbox(DataSource dataSource, MeterRegistry meters) {
 *   return new TransactionalOutbox(
 *       Outbox.builder(Map.of("schema.registry.url", registryUrl)).meterRegistry(meters).build(),
 *       dataSource);
 * }
 *
 * @Transactional
 * public void register(Customer customer) {
 *   customers.save(customer);
 *   outbox.append(OutboxEvent.of("customer", customer.id().toString(), created(customer)));
 * }
 * }</pre>
 *
 * <p>An event is appended only while its transaction is open: not in a synchronization's {@code
 * afterCommit} or {@code afterCompletion}, where a {@code @TransactionalEventListener} runs by
 * default, since the transaction has committed then and the row would be committed on its own, or
 * not at all (append in a new transaction there, {@code REQUIRES_NEW}, or in the transaction
 * itself). The first is refused only where this outbox hears of its transactions' completion: it is
 * a {@link TransactionExecutionListener}, which Spring Boot adds to the transaction manager it
 * configures; with a transaction manager of one's own, add it with {@code addListener}.
 *
 * <p>Thread-safe. Close the {@link Outbox} when the application stops; declared as a {@code @Bean}
 * of its own, it is closed with the context.
 */
public final class TransactionalOutbox implements TransactionExecutionListener {

  private final Outbox outbox;
  private final DataSource dataSource;
  private final Consumer<List<UUID>> committed;
  private final SQLExceptionTranslator translator = new SQLExceptionSubclassTranslator();

  /** The thread's transactions begun and not yet completed, innermost first. */
  private final ThreadLocal<Deque<Frame>> transactions = new ThreadLocal<>();

  /** A transaction of the thread, and whether its commit or rollback has begun. */
  private static final class Frame {
    final TransactionExecution transaction;
    boolean completing;

    Frame(TransactionExecution transaction) {
      this.transaction = transaction;
    }
  }

  /**
   * @param outbox the outbox that serializes and writes the events
   * @param dataSource the data source of the service's transactions, the one its transaction
   *     manager manages
   */
  public TransactionalOutbox(Outbox outbox, DataSource dataSource) {
    this(outbox, dataSource, ids -> {});
  }

  /**
   * @param outbox the outbox that serializes and writes the events
   * @param dataSource the data source of the service's transactions, the one its transaction
   *     manager manages
   * @param committed takes the ids of each append's events once the transaction that appended them
   *     has committed, on the committing thread; never for a transaction rolled back, nor once the
   *     transaction rolled back to a savepoint set before the append (a {@code NESTED} one rolled
   *     back, say). A web service can hand them to its client this way, who can then wait for their
   *     effects.
   */
  public TransactionalOutbox(Outbox outbox, DataSource dataSource, Consumer<List<UUID>> committed) {
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.committed = Objects.requireNonNull(committed, "committed");
  }

  /**
   * Appends an event in the current transaction; see {@link Outbox#append}.
   *
   * @param event the event
   * @return the event id
   * @throws IllegalTransactionStateException when no Spring transaction is active, or it is
   *     completing (see above)
   * @throws OutboxException when the record cannot be serialized or its payload is too large
   * @throws IllegalStateException when the current transaction holds no connection of this data
   *     source, or is read-only
   * @throws DataAccessException when the database refuses the row
   */
  public UUID append(OutboxEvent event) {
    Objects.requireNonNull(event, "event");
    return appendAll(List.of(event)).get(0);
  }

  /**
   * Appends events in the current transaction, all or none; see {@link Outbox#appendAll}.
   *
   * @param events the events, with distinct ids
   * @return the event ids, in the order of the events
   * @throws IllegalTransactionStateException when no Spring transaction is active, or it is
   *     completing (see above)
   * @throws OutboxException when a record cannot be serialized or a payload is too large
   * @throws IllegalStateException when the current transaction holds no connection of this data
   *     source, or is read-only
   * @throws DataAccessException when the database refuses a row
   */
  public List<UUID> appendAll(List<OutboxEvent> events) {
    Objects.requireNonNull(events, "events");
    if (!TransactionSynchronizationManager.isActualTransactionActive()) {
      outbox.rejectedOutsideTransaction(events.size());
      throw new IllegalTransactionStateException(
          "No Spring transaction is active: the outbox appends in the transaction of the change an"
              + " event announces, so call it from a @Transactional method or a"
              + " TransactionTemplate");
    }
    // A transaction of another resource (JPA on another data source, say) would get a connection
    // of its own here, never committed with the change; refused whatever its auto-commit mode.
    if (!TransactionSynchronizationManager.hasResource(dataSource)) {
      outbox.rejectedOutsideTransaction(events.size());
      throw new IllegalStateException(
          "The current transaction holds no connection of the outbox's data source: the outbox"
              + " appends in the transaction of the change an event announces, so that"
              + " transaction's manager must manage this data source (a"
              + " DataSourceTransactionManager or JpaTransactionManager over it)");
    }
    Deque<Frame> frames = transactions.get();
    Frame current = frames == null ? null : frames.peek();
    if (!TransactionSynchronizationManager.isSynchronizationActive()
        || (current != null && current.completing)) {
      outbox.rejectedOutsideTransaction(events.size());
      throw new IllegalTransactionStateException(
          "The transaction is completing (a synchronization's afterCommit or afterCompletion, where"
              + " a @TransactionalEventListener runs by default): appended now, the event would"
              + " not commit with the change it announces. Append in the transaction itself, or"
              + " in a new one (REQUIRES_NEW)");
    }
    List<UUID> ids = new ArrayList<>(events.size());
    // Registered before the rows are written, so nothing is written that it would not hear of.
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          /** The savepoints set after the append: rolled back to, they leave its rows. */
          private final Set<Object> setLater = Collections.newSetFromMap(new IdentityHashMap<>());

          private boolean undone;

          @Override
          public void savepoint(Object savepoint) {
            setLater.add(savepoint);
          }

          @Override
          public void savepointRollback(Object savepoint) {
            // A savepoint set before the append, and still there, encloses it: its rows go.
            undone |= !setLater.contains(savepoint);
          }

          @Override
          public void afterCommit() {
            if (!ids.isEmpty() && !undone) {
              committed.accept(List.copyOf(ids));
            }
          }
        });
    Connection connection = DataSourceUtils.getConnection(dataSource);
    try {
      ids.addAll(outbox.appendAll(connection, events));
      return List.copyOf(ids);
    } catch (SQLException e) {
      DataAccessException translated = translator.translate("Outbox append", null, e);
      throw translated != null
          ? translated
          : new UncategorizedSQLException("Outbox append", null, e);
    } finally {
      DataSourceUtils.releaseConnection(connection, dataSource);
    }
  }

  @Override
  public void afterBegin(TransactionExecution transaction, Throwable beginFailure) {
    if (beginFailure == null) {
      Deque<Frame> frames = transactions.get();
      if (frames == null) {
        frames = new ArrayDeque<>();
        transactions.set(frames);
      }
      frames.push(new Frame(transaction));
    }
  }

  @Override
  public void beforeCommit(TransactionExecution transaction) {
    completing(transaction);
  }

  @Override
  public void beforeRollback(TransactionExecution transaction) {
    completing(transaction);
  }

  @Override
  public void afterCommit(TransactionExecution transaction, Throwable commitFailure) {
    completed(transaction);
  }

  @Override
  public void afterRollback(TransactionExecution transaction, Throwable rollbackFailure) {
    completed(transaction);
  }

  private void completing(TransactionExecution transaction) {
    Deque<Frame> frames = transactions.get();
    if (frames != null) {
      frames.stream()
          .filter(frame -> frame.transaction == transaction)
          .forEach(frame -> frame.completing = true);
    }
  }

  private void completed(TransactionExecution transaction) {
    Deque<Frame> frames = transactions.get();
    if (frames != null) {
      frames.removeIf(frame -> frame.transaction == transaction);
      if (frames.isEmpty()) {
        transactions.remove();
      }
    }
  }
}
