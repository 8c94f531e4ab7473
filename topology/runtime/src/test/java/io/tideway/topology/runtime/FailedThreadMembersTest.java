package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailedThreadMembersTest {

  @Test
  void aStreamThreadsMemberIsTheGroupInstanceIdWithTheThreadsIndex() {
    assertThat(
            FailedThreadMembers.memberOf(
                "stock-levels-3f2a-StreamThread-2", "stock-levels-127.0.0.1-8083"))
        .isEqualTo("stock-levels-127.0.0.1-8083-2");
    assertThat(FailedThreadMembers.memberOf("a-StreamThread-1-StreamThread-12", "a-host"))
        .isEqualTo("a-host-12");
  }

  @Test
  void anyOtherThreadHasNoMember() {
    assertThat(FailedThreadMembers.memberOf("stock-levels-GlobalStreamThread", "id")).isNull();
    assertThat(FailedThreadMembers.memberOf("stock-levels-StreamThread-", "id")).isNull();
    assertThat(FailedThreadMembers.memberOf("main", "id")).isNull();
  }
}
