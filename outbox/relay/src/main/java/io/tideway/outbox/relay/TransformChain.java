package io.tideway.outbox.relay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * The Kafka Connect transformations named by the shared connector settings ({@code transforms},
 * {@code transforms.<alias>.type}, {@code transforms.<alias>.*}), built and applied the way a
 * Connect worker does, so the embedded relay's output equals a worker's by construction.
 */
final class TransformChain implements AutoCloseable {

  private final List<Transformation<SourceRecord>> steps;

  private TransformChain(List<Transformation<SourceRecord>> steps) {
    this.steps = steps;
  }

  /** Builds the chain from settings in Kafka Connect's form. */
  @SuppressWarnings("unchecked")
  static TransformChain of(Map<String, String> settings) {
    List<Transformation<SourceRecord>> steps = new ArrayList<>();
    String aliases = settings.getOrDefault("transforms", "");
    for (String alias : Arrays.stream(aliases.split(",")).map(String::trim).toList()) {
      if (alias.isEmpty()) {
        continue;
      }
      String prefix = "transforms." + alias + ".";
      String type = settings.get(prefix + "type");
      if (type == null) {
        throw new IllegalStateException("Transformation " + alias + " has no type");
      }
      Map<String, String> config = new HashMap<>();
      settings.forEach(
          (name, value) -> {
            if (name.startsWith(prefix) && !name.equals(prefix + "type")) {
              config.put(name.substring(prefix.length()), value);
            }
          });
      Transformation<SourceRecord> step;
      try {
        step =
            (Transformation<SourceRecord>)
                Class.forName(type).getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(
            "Cannot create transformation " + alias + " (" + type + ")", e);
      }
      step.configure(config);
      steps.add(step);
    }
    return new TransformChain(List.copyOf(steps));
  }

  /**
   * The record after every step, or {@code null} when a step dropped it.
   *
   * @throws RuntimeException whatever a step threw: the record breaks the contract
   */
  SourceRecord apply(SourceRecord record) {
    SourceRecord current = record;
    for (Transformation<SourceRecord> step : steps) {
      current = step.apply(current);
      if (current == null) {
        return null;
      }
    }
    return current;
  }

  @Override
  public void close() {
    steps.forEach(Transformation::close);
  }
}
