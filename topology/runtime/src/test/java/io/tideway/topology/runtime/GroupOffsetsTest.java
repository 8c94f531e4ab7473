package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GroupOffsetsTest {

  @Test
  void ownsOnlyItsPrefixFollowedByAThreadIndex() {
    assertThat(GroupOffsets.isOwn("app-eu-1", "app-eu-")).isTrue();
    assertThat(GroupOffsets.isOwn("app-eu-12", "app-eu-")).isTrue();
    assertThat(GroupOffsets.isOwn("app-eu-2-1", "app-eu-"))
        .as("a runtime named eu-2 is another runtime")
        .isFalse();
    assertThat(GroupOffsets.isOwn("app-eu-", "app-eu-")).isFalse();
    assertThat(GroupOffsets.isOwn("app-us-1", "app-eu-")).isFalse();
  }
}
