package io.tideway.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceparentTest {

  private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void aChildKeepsTheTraceAndItsFlagsWithASpanOfItsOwn() {
    String child = Traceparent.childOf(PARENT);

    assertThat(Traceparent.valid(child)).isTrue();
    assertThat(Traceparent.traceId(child)).isEqualTo(Traceparent.traceId(PARENT));
    assertThat(child).endsWith("-01").isNotEqualTo(PARENT);
    assertThat(child.substring(36, 52)).isNotEqualTo(PARENT.substring(36, 52));
  }

  @Test
  void withoutAValidParentAChildStartsATraceOfItsOwnNotSampled() {
    for (String parent :
        new String[] {
          null,
          "",
          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
          "not a traceparent"
        }) {
      String child = Traceparent.childOf(parent);
      assertThat(Traceparent.valid(child)).as("child of %s", parent).isTrue();
      assertThat(child).endsWith("-00");
      assertThat(Traceparent.valid(parent)).isFalse();
    }
    assertThat(Traceparent.traceId(Traceparent.childOf(null)))
        .isNotEqualTo(Traceparent.traceId(Traceparent.childOf(null)));
  }
}
