package io.tideway.services.starter;

import io.tideway.outbox.Traceparent;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.MDC;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Each request's work in a trace: the caller's ({@code traceparent} header, W3C Trace Context),
 * else one of its own. Its traceparent is in the logging context while the request runs, and on the
 * events the request appends to the outbox, so that what their consumers do goes on in the same
 * trace.
 */
final class TraceContextFilter extends OncePerRequestFilter {

  /** The logging context's key, and the header's name. */
  static final String TRACEPARENT = "traceparent";

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    MDC.put(TRACEPARENT, Traceparent.childOf(request.getHeader(TRACEPARENT)));
    try {
      chain.doFilter(request, response);
    } finally {
      MDC.remove(TRACEPARENT);
    }
  }
}
