package io.tideway.services.starter;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.constraints.Pattern;
import org.junit.jupiter.api.Test;

class PlainTextTest {

  private static final java.util.regex.Pattern PLAIN_TEXT =
      java.util.regex.Pattern.compile(PlainText.class.getAnnotation(Pattern.class).regexp());

  @Test
  void takesTextWithSpacesAroundAndBetween() {
    assertThat(PLAIN_TEXT.matcher("Ada Lovelace").matches()).isTrue();
    assertThat(PLAIN_TEXT.matcher("  Ada\u2003Lovelace  ").matches()).isTrue();
    assertThat(PLAIN_TEXT.matcher("Zoë 李").matches()).isTrue();
  }

  @Test
  void refusesWhitespaceAloneAndControlCharactersOfEitherRange() {
    assertThat(PLAIN_TEXT.matcher("\u2003").matches()).isFalse();
    assertThat(PLAIN_TEXT.matcher(" \u3000 ").matches()).isFalse();
    assertThat(PLAIN_TEXT.matcher("Ada\u0000").matches()).isFalse();
    assertThat(PLAIN_TEXT.matcher("Ada\u0085").matches()).isFalse();
    assertThat(PLAIN_TEXT.matcher("Ada\nLovelace").matches()).isFalse();
  }

  @Test
  void refusesALongTextEndingInAControlCharacterWithoutTryingEverySplitOfIt() {
    // Quadratic backtracking would take minutes here; the possessive pattern reads it once.
    assertThat(PLAIN_TEXT.matcher("a".repeat(1_000_000) + "\u0001").matches()).isFalse();
    assertThat(PLAIN_TEXT.matcher(" ".repeat(1_000_000) + "\u0001").matches()).isFalse();
  }
}
