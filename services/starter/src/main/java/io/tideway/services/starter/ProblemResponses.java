package io.tideway.services.starter;

import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every refused request answered as an RFC 9457 problem ({@code application/problem+json}): Spring
 * MVC's own refusals (malformed JSON, an unsupported media type, a wrong method) as its base class
 * answers them, invalid fields with an {@code errors} list naming each field, and the starter's
 * exceptions with their status. Anything else is a bug of the service: a {@code 500} that says
 * nothing of the internals, logged in full.
 */
@RestControllerAdvice
public class ProblemResponses extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

  @ExceptionHandler(ResourceNotFoundException.class)
  ProblemDetail notFound(ResourceNotFoundException e) {
    return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
  }

  @ExceptionHandler(PreconditionFailedException.class)
  ProblemDetail preconditionFailed(PreconditionFailedException e) {
    return ProblemDetail.forStatusAndDetail(HttpStatus.PRECONDITION_FAILED, e.getMessage());
  }

  @ExceptionHandler(CommandRejectedException.class)
  ProblemDetail rejected(CommandRejectedException e) {
    return ProblemDetail.forStatusAndDetail(e.status(), e.getMessage());
  }

  /** A unique key taken by a concurrent request between the service's check and its insert. */
  @ExceptionHandler(DuplicateKeyException.class)
  ProblemDetail duplicate(DuplicateKeyException e) {
    return ProblemDetail.forStatusAndDetail(
        HttpStatus.CONFLICT, "The request clashes with existing data: " + constraint(e));
  }

  @ExceptionHandler(Exception.class)
  ProblemDetail unexpected(Exception e) {
    log.error("Request failed unexpectedly", e);
    return ProblemDetail.forStatusAndDetail(
        HttpStatus.INTERNAL_SERVER_ERROR, "The service failed to handle the request");
  }

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    ProblemDetail problem = e.getBody();
    problem.setDetail("The request has invalid fields");
    List<Map<String, Object>> errors =
        e.getBindingResult().getFieldErrors().stream()
            .map(
                f ->
                    Map.<String, Object>of(
                        "field", f.getField(), "message", String.valueOf(f.getDefaultMessage())))
            .toList();
    problem.setProperty("errors", errors);
    return handleExceptionInternal(e, problem, headers, status, request);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    ProblemDetail problem = ProblemDetail.forStatus(status);
    problem.setDetail("The request body is not valid JSON for this request: " + firstLine(e));
    return handleExceptionInternal(e, problem, headers, status, request);
  }

  /** The parser's message names the line, column and field; its first line is enough. */
  private static String firstLine(HttpMessageNotReadableException e) {
    Throwable cause = e.getMostSpecificCause();
    String message = cause.getMessage() == null ? "unreadable body" : cause.getMessage();
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }

  private static String constraint(DuplicateKeyException e) {
    String message = e.getMostSpecificCause().getMessage();
    int detail = message == null ? -1 : message.indexOf("Detail:");
    return detail < 0 ? "a unique value is taken" : message.substring(detail + 8).strip();
  }
}
