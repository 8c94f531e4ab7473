package io.tideway.loadtest;

import java.util.concurrent.locks.LockSupport;

/** The monotonic clock the harness reads and waits on; tests substitute one they move by hand. */
interface Ticker {

  /** The system's: {@link System#nanoTime()}, waiting by parking the thread. */
  Ticker SYSTEM =
      new Ticker() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void parkNanos(long nanos) {
          LockSupport.parkNanos(nanos);
        }
      };

  long nanoTime();

  /** Waits about {@code nanos}, possibly less; never spins. */
  void parkNanos(long nanos);
}
