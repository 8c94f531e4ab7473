package io.tideway.services.starter;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

/** Assertions on the RFC 9457 problems the services answer refused requests with. */
public final class ProblemAssertions {

  private ProblemAssertions() {}

  /** The answer is a problem of this status whose body contains {@code detail}, unless null. */
  public static void assertProblem(HttpResponse<String> answer, int status, String detail) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    if (detail != null) {
      assertThat(answer.body()).contains(detail);
    }
  }

  /** The answer is a {@code 400} whose {@code errors} name the field. */
  public static void assertInvalidField(HttpResponse<String> answer, String field) {
    assertProblem(answer, 400, "invalid fields");
    assertThat(answer.body()).contains("\"field\":\"" + field + "\"");
  }
}
