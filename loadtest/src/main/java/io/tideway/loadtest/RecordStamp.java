package io.tideway.loadtest;

import java.nio.ByteBuffer;

/**
 * The first {@value #SIZE} bytes of a load-test record's value: its intended send time and its
 * sequence number, so that a reader downstream can measure latency from the record alone. The time
 * is on the sending JVM's {@link System#nanoTime()} clock, so only a reader in the same JVM can use
 * it, which is how the scenarios run.
 */
public final class RecordStamp {

  /** Bytes taken by the stamp. */
  public static final int SIZE = 2 * Long.BYTES;

  private RecordStamp() {}

  /** Writes the stamp into the start of {@code value}, which must hold at least {@link #SIZE}. */
  public static void write(byte[] value, long intendedNanos, long sequence) {
    ByteBuffer.wrap(value).putLong(intendedNanos).putLong(sequence);
  }

  /** The intended send time of a stamped value. */
  public static long intendedNanos(byte[] value) {
    return ByteBuffer.wrap(value).getLong(0);
  }

  /** The sequence number of a stamped value. */
  public static long sequence(byte[] value) {
    return ByteBuffer.wrap(value).getLong(Long.BYTES);
  }
}
