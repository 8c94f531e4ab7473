package io.tideway.schemas.client;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/** An in-memory registry that counts the calls it gets, as a stand-in for remote calls. */
public final class CountingRegistry implements SchemaRegistryClient {

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("counting://test");
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  /** How many times a method was called. */
  public int calls(String method) {
    AtomicInteger n = calls.get(method);
    return n == null ? 0 : n.get();
  }

  /** How many calls in all. */
  public int totalCalls() {
    return calls.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private void count(String method) {
    calls.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public int register(String subject, Schema schema) {
    count("register");
    return registry.register(subject, schema);
  }

  @Override
  public int id(String subject, Schema schema) {
    count("id");
    return registry.id(subject, schema);
  }

  @Override
  public Schema schemaById(int id) {
    count("schemaById");
    return registry.schemaById(id);
  }

  @Override
  public SchemaVersion latest(String subject) {
    count("latest");
    return registry.latest(subject);
  }

  @Override
  public SchemaVersion version(String subject, int version) {
    count("version");
    return registry.version(subject, version);
  }

  @Override
  public List<String> subjects() {
    count("subjects");
    return registry.subjects();
  }

  @Override
  public List<Integer> versions(String subject) {
    count("versions");
    return registry.versions(subject);
  }

  @Override
  public CompatibilityLevel compatibilityOf(String subject) {
    count("compatibilityOf");
    return registry.compatibilityOf(subject);
  }

  @Override
  public CompatibilityLevel globalCompatibility() {
    count("globalCompatibility");
    return registry.globalCompatibility();
  }

  @Override
  public void setCompatibility(String subject, CompatibilityLevel level) {
    count("setCompatibility");
    registry.setCompatibility(subject, level);
  }

  @Override
  public List<String> checkCompatibility(String subject, Schema schema) {
    count("checkCompatibility");
    return registry.checkCompatibility(subject, schema);
  }

  @Override
  public List<Integer> deleteSubject(String subject, boolean permanent) {
    count("deleteSubject");
    return registry.deleteSubject(subject, permanent);
  }

  @Override
  public String url() {
    return registry.url();
  }

  @Override
  public void close() {
    count("close");
  }
}
