package io.tideway.services.starter;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.RECORD_COMPONENT;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import jakarta.validation.ReportAsSingleViolation;
import jakarta.validation.constraints.Pattern;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * Text a person can read: no control character, Unicode's C1 ones ({@code U+0080}–{@code U+009F})
 * included, and not whitespace alone. PostgreSQL refuses a NUL in text outright, no name or address
 * needs a control character, and the services that learn a name from an event refuse what {@link
 * Character#isISOControl} calls one; {@code NotBlank} takes Unicode spaces such as {@code U+2003}
 * for text, which the domain's {@link String#isBlank} does not. Refused here, such a request is
 * invalid rather than failing further on.
 */
@Documented
@Constraint(validatedBy = {})
// Possessive, each part taking what the next cannot: linear in the text's length, however long.
@Pattern(regexp = "[\\p{javaWhitespace}&&[^\\p{Cc}]]*+[^\\p{Cc}\\p{javaWhitespace}][^\\p{Cc}]*+")
@ReportAsSingleViolation
@Target({FIELD, PARAMETER, RECORD_COMPONENT, TYPE_USE})
@Retention(RUNTIME)
public @interface PlainText {

  /** The violation's message. */
  String message() default "must be text, neither whitespace alone nor with control characters";

  /** Validation groups. */
  Class<?>[] groups() default {};

  /** Payload. */
  Class<? extends Payload>[] payload() default {};
}
