package io.tideway.services.starter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EntityVersionsTest {

  @Test
  void noHeaderOrAStarAcceptsAnyVersion() {
    assertThat(EntityVersions.ifMatch(null).test(7)).isTrue();
    assertThat(EntityVersions.ifMatch(" * ").test(7)).isTrue();
  }

  @Test
  void aStrongTagAcceptsItsVersionAndAListAnyOfItsVersions() {
    assertThat(EntityVersions.ifMatch(EntityVersions.etag(3)).test(3)).isTrue();
    assertThat(EntityVersions.ifMatch("\"3\"").test(4)).isFalse();
    assertThat(EntityVersions.ifMatch("\"3\", \"4\"").test(4)).isTrue();
    assertThat(EntityVersions.ifMatch("\"3\", \"4\"").test(5)).isFalse();
  }

  @Test
  void anEmptyHeaderAWeakTagOrATagNeverGivenOutAcceptsNone() {
    // Compared strongly (RFC 9110): a weak tag never matches; an empty header is no "any".
    assertThat(EntityVersions.ifMatch("").test(1)).isFalse();
    assertThat(EntityVersions.ifMatch("  ").test(1)).isFalse();
    assertThat(EntityVersions.ifMatch("W/\"1\"").test(1)).isFalse();
    assertThat(EntityVersions.ifMatch("\"abc\"").test(1)).isFalse();
    assertThat(EntityVersions.ifMatch("1").test(1)).isFalse();
    assertThat(EntityVersions.ifMatch("\"\"").test(1)).isFalse();
    assertThat(EntityVersions.ifMatch("\"01\"").test(1)).isFalse();
    assertThat(EntityVersions.ifMatch("\"+1\"").test(1)).isFalse();
  }
}
