package io.tideway.loadtest;

/** A clock that moves only when parked on or moved by hand, counting the parks. */
final class ManualTicker implements Ticker {

  private long now;
  private int parks;
  private Runnable onPark = () -> {};

  ManualTicker(long now) {
    this.now = now;
  }

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public void parkNanos(long nanos) {
    parks++;
    now += nanos;
    onPark.run();
  }

  /** Runs {@code action} after each park, as if other threads worked meanwhile. */
  void onPark(Runnable action) {
    this.onPark = action;
  }

  void advance(long nanos) {
    now += nanos;
  }

  int parks() {
    return parks;
  }
}
