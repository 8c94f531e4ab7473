package io.tideway.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random request bodies made from a valid one, for fuzzing an HTTP API: fields dropped, set to
 * null, to values of the wrong type, to extremes (huge or negative numbers, long or odd strings),
 * nested too deep, and bodies that are not JSON at all (truncated, random bytes). Seeded, so a
 * failure is reproduced from the seed it prints.
 *
 * <p>The valid body is given as a map of fields to JSON literals, e.g. {@code "name" -> "\"Ada\""}.
 */
public final class JsonFuzz {

  private static final List<String> ODD_VALUES =
      List.of(
          "null",
          "true",
          "0",
          "-1",
          "-0.01",
          "1e308",
          "-1e308",
          "99999999999999999999999999999999",
          "0.123456789",
          "2147483648",
          "\"\"",
          "\"   \"",
          "\"" + "x".repeat(10_000) + "\"",
          "\"\\u0000\"",
          "\"é😀\"",
          "\"not-a-uuid\"",
          "\"00000000-0000-0000-0000-000000000000\"",
          "[]",
          "[1,2,3]",
          "{}",
          "{\"a\":{\"b\":{\"c\":[[[[[[[[[[1]]]]]]]]]]}}}",
          "\"<script>alert(1)</script>\"",
          "\"' OR 1=1 --\"");

  private final Random random;
  private final long seed;

  /** A fuzzer with a random seed; {@link #seed()} tells it. */
  public JsonFuzz() {
    this(new Random().nextLong());
  }

  /** A fuzzer that repeats the run of an earlier one with this seed. */
  public JsonFuzz(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
  }

  /** The seed, to repeat a run. */
  public long seed() {
    return seed;
  }

  /** One random body made from the valid one. */
  public String next(Map<String, String> valid) {
    int kind = random.nextInt(10);
    if (kind == 0) {
      return garbage();
    }
    String whole = render(valid);
    if (kind == 1) {
      return whole.substring(0, random.nextInt(whole.length()));
    }
    Map<String, String> fields = new LinkedHashMap<>(valid);
    int changes = 1 + random.nextInt(3);
    List<String> names = new ArrayList<>(valid.keySet());
    for (int i = 0; i < changes && !names.isEmpty(); i++) {
      String name = names.get(random.nextInt(names.size()));
      switch (random.nextInt(3)) {
        case 0 -> fields.remove(name);
        case 1 -> fields.put(name, ODD_VALUES.get(random.nextInt(ODD_VALUES.size())));
        default -> fields.put(name + "_extra", ODD_VALUES.get(random.nextInt(ODD_VALUES.size())));
      }
    }
    return render(fields);
  }

  /** The valid body as JSON text. */
  public static String render(Map<String, String> fields) {
    StringBuilder json = new StringBuilder("{");
    fields.forEach(
        (name, value) -> {
          if (json.length() > 1) {
            json.append(',');
          }
          json.append('"').append(name).append("\":").append(value);
        });
    return json.append('}').toString();
  }

  private String garbage() {
    byte[] bytes = new byte[1 + random.nextInt(200)];
    random.nextBytes(bytes);
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}
