package io.tideway.topics;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Keeps dead letters within what Kafka takes. A dead letter carries its record's key, value and
 * headers, and a record near the size limit (one its topic took, but whose dead letter the producer
 * cannot send) would have its dead letter refused too, and be retried, or fail its stream thread,
 * for ever. Such a dead letter goes without the record's key, value and headers, with the headers
 * that name the record's place whole (a re-drive reads the record from there), the headers that
 * describe the failure cut to a few KiB each (or left out, where even that does not fit), and
 * {@value #OMITTED_HEADER} saying what was left out. Both writers of dead letters use it: the
 * topology runtime's (Kafka Streams' headers) and the services' (Spring for Apache Kafka's).
 */
public final class DeadLetterLimit {

  /** The header of a dead letter sent without its record's bytes, saying how many there were. */
  public static final String OMITTED_HEADER = "tideway.dead-letter.omitted";

  /**
   * The largest dead letter when not told otherwise: the producer's default {@code
   * max.request.size}, just under the broker's default {@code message.max.bytes} (1,048,588), which
   * dead-letter topics keep.
   */
  public static final int DEFAULT = 1 << 20;

  /** What a header describing the failure keeps of its value, in bytes. */
  static final int DESCRIPTION_KEPT = 8 << 10;

  /**
   * A record batch's own fields (61 bytes) and a record's (up to 21), with room to spare; each
   * header adds up to 10 for the lengths of its name and value.
   */
  private static final int OVERHEAD = 512;

  private static final int HEADER_OVERHEAD = 10;

  private final int limit;

  /**
   * @param limit the largest dead letter, in bytes, as Kafka counts a record against {@code
   *     max.request.size}
   */
  public DeadLetterLimit(int limit) {
    this.limit = limit;
  }

  /**
   * The limit of a producer with this {@code max.request.size}, and at most {@link #DEFAULT}, as
   * dead-letter topics take no more.
   *
   * @param maxRequestSize the setting's value as configured (a number or its text), or null
   */
  public static DeadLetterLimit forProducer(Object maxRequestSize) {
    int producer =
        maxRequestSize == null ? DEFAULT : Integer.parseInt(maxRequestSize.toString().strip());
    return new DeadLetterLimit(Math.min(producer, DEFAULT));
  }

  /** The largest dead letter, in bytes. */
  public int limit() {
    return limit;
  }

  /**
   * The size of a record as Kafka counts it against the limit, at most.
   *
   * @param keyBytes the key's length, 0 for none
   * @param valueBytes the value's length, 0 for none
   */
  public static int size(int keyBytes, int valueBytes, Headers headers) {
    int size = OVERHEAD + Math.max(0, keyBytes) + Math.max(0, valueBytes);
    for (Header header : headers) {
      size += HEADER_OVERHEAD + utf8Length(header.key()) + length(header.value());
    }
    return size;
  }

  /** Whether a dead letter of this size fits. */
  public boolean fits(int size) {
    return size <= limit;
  }

  /**
   * The dead letter as it is when it fits, else one without its record's key, value and headers.
   *
   * @param letter the dead letter as written, the record's own headers among its headers
   * @param size its size (see {@link #size})
   * @param place the headers naming where the record was read, kept whole
   * @param description the headers describing the failure, each cut to a few KiB, or left out where
   *     even that does not fit
   */
  public <K, V> ProducerRecord<K, V> fitted(
      ProducerRecord<K, V> letter, int size, List<String> place, List<String> description) {
    if (fits(size)) {
      return letter;
    }
    return new ProducerRecord<>(
        letter.topic(),
        letter.partition(),
        letter.timestamp(),
        null,
        null,
        withoutBytes(letter.headers(), size, place, description));
  }

  /** The headers of a dead letter without its record's bytes (see {@link #fitted}). */
  Headers withoutBytes(Headers headers, int size, List<String> place, List<String> description) {
    String omitted =
        "a dead letter of about "
            + size
            + " bytes, over the limit of "
            + limit
            + ": the record's key, value and headers are left out; read the record from the topic,"
            + " partition and offset named";
    Headers kept = new RecordHeaders();
    for (String name : place) {
      Header header = headers.lastHeader(name);
      if (header != null) {
        kept.add(header);
      }
    }
    kept.add(OMITTED_HEADER, omitted.getBytes(StandardCharsets.UTF_8));
    // In order of use (the exception's class, its message, the stack trace), each while it fits.
    for (String name : description) {
      Header header = headers.lastHeader(name);
      if (header != null) {
        kept.add(name, cut(header.value(), DESCRIPTION_KEPT));
        if (!fits(size(0, 0, kept))) {
          kept.remove(name);
        }
      }
    }
    return kept;
  }

  /** At most {@code most} bytes of UTF-8 text, cut between characters. */
  static byte[] cut(byte[] text, int most) {
    if (text == null || text.length <= most) {
      return text;
    }
    int end = most;
    // Back to the first byte of the character that would be split: continuation bytes are
    // 10xxxxxx, and a character has at most three.
    while (end > 0 && most - end < 3 && (text[end] & 0xC0) == 0x80) {
      end--;
    }
    return Arrays.copyOf(text, end);
  }

  private static int length(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }

  private static int utf8Length(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }
}
