package io.tideway.loadtest.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CoreSplitTest {

  @Test
  void readsTheProcessorListsTasksetPrints() {
    assertThat(CoreSplit.processors("0,1")).containsExactly(0, 1);
    assertThat(CoreSplit.processors("0-3,6")).containsExactly(0, 1, 2, 3, 6);
    assertThat(CoreSplit.processors("2")).containsExactly(2);
  }
}
