package io.tideway.loadtest.pipeline;

import java.util.Locale;

/** The command every run sends: a new customer, the same for Tideway's service and the peer. */
final class Registrations {

  private Registrations() {}

  /** The body of {@code POST /customers} for the run's {@code sequence}-th customer. */
  static String body(String runId, long sequence) {
    return String.format(
        Locale.ROOT,
        """
        {"name": "Load %d", "email": "load-%s-%d@example.com", "creditLimit": 1000.00,
         "address": {"street": "1 Load St", "city": "Berlin", "postalCode": "10115",
                     "country": "DE"}}""",
        sequence,
        runId,
        sequence);
  }
}
