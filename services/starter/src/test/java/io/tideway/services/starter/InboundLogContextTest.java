package io.tideway.services.starter;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.services.starter.InboundEvents.Inbound;
import io.tideway.services.starter.InboundEvents.LogContext;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class InboundLogContextTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  @Test
  void putsTheRecordsIdAndAChildOfItsTraceAndTakesThemOutAgain() {
    UUID id = UUID.randomUUID();

    try (LogContext context =
        new Inbound(id, null, "00-" + TRACE + "-00f067aa0ba902b7-01").logContext()) {
      assertThat(MDC.get("eventId")).isEqualTo(id.toString());
      assertThat(MDC.get(TraceContextFilter.TRACEPARENT))
          .matches("00-" + TRACE + "-[0-9a-f]{16}-01")
          .doesNotContain("00f067aa0ba902b7");
    }

    assertThat(MDC.get("eventId")).isNull();
    assertThat(MDC.get(TraceContextFilter.TRACEPARENT)).isNull();
  }

  @Test
  void oneOpenedWithinAnotherLeavesTheOuterOneAsItWas() {
    UUID outer = UUID.randomUUID();

    try (LogContext context = new Inbound(outer, null, null).logContext()) {
      String outerTrace = MDC.get(TraceContextFilter.TRACEPARENT);
      try (LogContext inner = new Inbound(UUID.randomUUID(), null, null).logContext()) {
        assertThat(MDC.get("eventId")).isNotEqualTo(outer.toString());
      }
      assertThat(MDC.get("eventId")).isEqualTo(outer.toString());
      assertThat(MDC.get(TraceContextFilter.TRACEPARENT)).isEqualTo(outerTrace);
    }
    assertThat(MDC.get("eventId")).isNull();
  }
}
