package io.tideway.loadtest;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.kafka.streams.StreamsConfig;

/** The processing guarantee a Kafka Streams scenario runs with. */
public enum Guarantee {
  /** Records may be processed again after a failure; output is readable at once. */
  AT_LEAST_ONCE(StreamsConfig.AT_LEAST_ONCE),

  /** Each record's effects count once; output is readable when its transaction commits. */
  EXACTLY_ONCE_V2(StreamsConfig.EXACTLY_ONCE_V2);

  private final String configValue;

  Guarantee(String configValue) {
    this.configValue = configValue;
  }

  /** The value of {@code processing.guarantee}, e.g. {@code exactly_once_v2}. */
  public String configValue() {
    return configValue;
  }

  /** Whether output is written in transactions, so readers must read committed records only. */
  public boolean transactional() {
    return this == EXACTLY_ONCE_V2;
  }

  /**
   * The guarantee named by its {@code processing.guarantee} value.
   *
   * @throws IllegalArgumentException for any other text, listing the values that work
   */
  public static Guarantee parse(String text) {
    for (Guarantee guarantee : values()) {
      if (guarantee.configValue.equals(text)) {
        return guarantee;
      }
    }
    throw new IllegalArgumentException(
        "--guarantee must be one of "
            + Arrays.stream(values()).map(Guarantee::configValue).collect(Collectors.joining(", "))
            + " (was '"
            + text
            + "')");
  }

  @Override
  public String toString() {
    return configValue;
  }
}
