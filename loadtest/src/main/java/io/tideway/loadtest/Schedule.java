package io.tideway.loadtest;

/**
 * When each record is due in an open-loop run: record {@code n} is due at {@code start + n / rate}
 * seconds, however late earlier records went out. Due times are computed from the start, never by
 * adding intervals, so rounding never accumulates into drift; a sender that falls behind catches up
 * by sending the overdue records at once.
 *
 * <p>Unthrottled, a record is due when it is asked about: its intended send time is its actual one.
 */
final class Schedule {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final long startNanos;
  private final long rate;
  private final Ticker ticker;

  private Schedule(long startNanos, long rate, Ticker ticker) {
    this.startNanos = startNanos;
    this.rate = rate;
    this.ticker = ticker;
  }

  /** Records due at {@code rate} per second from {@code startNanos}; -1 for as fast as possible. */
  static Schedule of(long rate, long startNanos, Ticker ticker) {
    if (rate != LoadSettings.UNTHROTTLED && rate <= 0) {
      throw new IllegalArgumentException("rate must be positive or -1: " + rate);
    }
    return new Schedule(startNanos, rate, ticker);
  }

  boolean unthrottled() {
    return rate == LoadSettings.UNTHROTTLED;
  }

  /** When record {@code sequence} (counted from 0) is due. */
  long dueNanos(long sequence) {
    if (unthrottled()) {
      return ticker.nanoTime();
    }
    // Whole seconds and the remainder apart: exact, and free of overflow for any realistic run.
    long seconds = sequence / rate;
    long remainder = sequence % rate;
    return startNanos + seconds * NANOS_PER_SECOND + remainder * NANOS_PER_SECOND / rate;
  }

  /**
   * Waits, without spinning, until {@code dueNanos} or {@code wakeNanos}, whichever is first.
   *
   * @return whether the due time has come; false means woken early, to do other work and ask again
   */
  boolean awaitDue(long dueNanos, long wakeNanos) {
    long now = ticker.nanoTime();
    if (now >= dueNanos) {
      return true;
    }
    long until = Math.min(dueNanos, wakeNanos);
    if (until > now) {
      ticker.parkNanos(until - now);
    }
    return ticker.nanoTime() >= dueNanos;
  }
}
