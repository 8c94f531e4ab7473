package io.tideway.services.starter;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * Answers a command with the ids of the events it committed to the outbox, in the header {@value
 * #HEADER} (comma-separated, in the order they were appended). A client that wants to read its own
 * write passes one to a read model's query ({@code waitFor=<id>}), which then answers only once the
 * event has been processed.
 */
@ControllerAdvice
public class CommittedEventsHeader implements ResponseBodyAdvice<Object> {

  /** The response header carrying the committed event ids. */
  public static final String HEADER = "Tideway-Event-Id";

  private static final String ATTRIBUTE = CommittedEventsHeader.class.getName();

  /**
   * Remembers event ids a transaction of the current request committed; the outbox calls it after
   * each commit. Outside a request (a listener's transaction, say) it does nothing.
   */
  static void committed(List<UUID> ids) {
    RequestAttributes request = RequestContextHolder.getRequestAttributes();
    if (request == null) {
      return;
    }
    @SuppressWarnings("unchecked")
    List<UUID> seen = (List<UUID>) request.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
    if (seen == null) {
      seen = new ArrayList<>(ids.size());
      request.setAttribute(ATTRIBUTE, seen, RequestAttributes.SCOPE_REQUEST);
    }
    seen.addAll(ids);
  }

  @Override
  public boolean supports(
      MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
    return true;
  }

  @Override
  public Object beforeBodyWrite(
      Object body,
      MethodParameter returnType,
      MediaType selectedContentType,
      Class<? extends HttpMessageConverter<?>> selectedConverterType,
      ServerHttpRequest request,
      ServerHttpResponse response) {
    RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
    Object seen =
        attributes == null
            ? null
            : attributes.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
    if (seen instanceof List<?> ids && !ids.isEmpty()) {
      response
          .getHeaders()
          .set(HEADER, ids.stream().map(Object::toString).collect(Collectors.joining(",")));
    }
    return body;
  }
}
