package io.tideway.schemas.client;

import io.tideway.schemas.client.RegistryEvent.CompatibilitySet;
import java.util.List;
import org.apache.avro.Schema;

/**
 * A whole schema registry in memory, with the same rules as the registry server: it holds a {@link
 * RegistryState} and applies each decision at once. For tests and for {@code mock://} URLs (see
 * {@link MockSchemaRegistry}).
 *
 * <p>Thread-safe: every call holds the registry's lock.
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {

  private final String url;
  private final RegistryState state = new RegistryState();

  /** An empty registry named {@code in-memory} in messages. */
  public InMemorySchemaRegistry() {
    this("in-memory");
  }

  /**
   * An empty registry.
   *
   * @param url what messages call it, such as {@code mock://orders-test}
   */
  public InMemorySchemaRegistry(String url) {
    this.url = url;
  }

  @Override
  public synchronized int register(String subject, Schema schema) {
    RegistryState.Registration plan = state.planRegistration(subject, text(schema));
    plan.events().forEach(state::apply);
    return plan.id();
  }

  @Override
  public synchronized int id(String subject, Schema schema) {
    return state.lookup(subject, text(schema), false).id();
  }

  @Override
  public synchronized Schema schemaById(int id) {
    return RegistryState.parse(state.schemaById(id));
  }

  @Override
  public synchronized SchemaVersion latest(String subject) {
    return state.version(subject, "latest", false);
  }

  @Override
  public synchronized SchemaVersion version(String subject, int version) {
    return state.version(subject, Integer.toString(version), false);
  }

  @Override
  public synchronized List<String> subjects() {
    return state.subjects(false);
  }

  @Override
  public synchronized List<Integer> versions(String subject) {
    return state.versions(subject, false);
  }

  @Override
  public synchronized CompatibilityLevel compatibilityOf(String subject) {
    return state.effectiveLevel(subject);
  }

  @Override
  public synchronized CompatibilityLevel globalCompatibility() {
    return state.globalLevel();
  }

  @Override
  public synchronized void setCompatibility(String subject, CompatibilityLevel level) {
    if (level == null) {
      throw RegistryException.invalidCompatibilityLevel(null);
    }
    state.apply(new CompatibilitySet(subject, level));
  }

  @Override
  public synchronized List<String> checkCompatibility(String subject, Schema schema) {
    return state.checkCompatibility(subject, null, text(schema));
  }

  @Override
  public synchronized List<Integer> deleteSubject(String subject, boolean permanent) {
    List<RegistryEvent> events = state.planSubjectDeletion(subject, permanent);
    events.forEach(state::apply);
    return RegistryState.versionsDeleted(events);
  }

  @Override
  public String url() {
    return url;
  }

  /** Nothing to release: the content stays, so that a {@code mock://} scope outlives its users. */
  @Override
  public void close() {}

  private static String text(Schema schema) {
    if (schema == null) {
      throw RegistryException.invalidSchema("the schema is empty");
    }
    return schema.toString();
  }

  @Override
  public String toString() {
    return "InMemorySchemaRegistry[" + url + "]";
  }
}
