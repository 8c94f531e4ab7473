package io.tideway.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OperatorTokenTest {

  private final OperatorToken token = new OperatorToken("s3cret-token");

  @Test
  void admitsOnlyTheBearerOfTheToken() {
    assertThat(token.admits("Bearer s3cret-token")).isTrue();
    assertThat(token.admits("bearer s3cret-token ")).isTrue();

    assertThat(token.admits(null)).isFalse();
    assertThat(token.admits("")).isFalse();
    assertThat(token.admits("Bearer")).isFalse();
    assertThat(token.admits("Bearer ")).isFalse();
    assertThat(token.admits("Bearer s3cret-toke")).isFalse();
    assertThat(token.admits("Bearer s3cret-token2")).isFalse();
    assertThat(token.admits("Basic s3cret-token")).isFalse();
    assertThat(token.admits("s3cret-token")).isFalse();
  }

  @Test
  void withoutATokenAdmitsEveryRequest() {
    OperatorToken none = new OperatorToken(null);

    assertThat(none.admits(null)).isTrue();
    assertThat(none.admits("Bearer anything")).isTrue();
  }
}
