package io.tideway.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideway.schemas.client.rest.RegistryApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** A registry's HTTP API as tests call it: plain {@link HttpClient}, answers parsed as JSON. */
final class RegistryHttp {

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String url;
  private final String authorization;

  RegistryHttp(String url) {
    this(url, null);
  }

  private RegistryHttp(String url, String authorization) {
    this.url = url;
    this.authorization = authorization;
  }

  /** The same registry, each request with a user's Basic credentials. */
  RegistryHttp as(String user, String password) {
    String credentials = user + ":" + password;
    return new RegistryHttp(
        url,
        "Basic "
            + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * One answer.
   *
   * @param status the HTTP status
   * @param contentType the Content-Type header, or empty
   * @param body the body text
   * @param challenge the WWW-Authenticate header, or empty
   */
  record Answer(int status, String contentType, String body, String challenge) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("Not JSON: " + body, e);
      }
    }

    int errorCode() {
      return json().path("error_code").asInt(-1);
    }

    String message() {
      return json().path("message").asText();
    }
  }

  Answer get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  Answer delete(String path) {
    return send(HttpRequest.newBuilder(uri(path)).DELETE());
  }

  Answer post(String path, String body) {
    return post(path, body, RegistryApi.CONTENT_TYPE);
  }

  /** A POST with the given content type, or none when null. */
  Answer post(String path, String body, String contentType) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return send(request.POST(BodyPublishers.ofString(body)));
  }

  Answer put(String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", RegistryApi.CONTENT_TYPE)
            .PUT(BodyPublishers.ofString(body)));
  }

  /** Registers a schema and returns its id, failing on anything but 200. */
  int register(String subject, String schema) {
    Answer answer = post("/subjects/" + subject + "/versions", schemaBody(schema));
    if (answer.status() != 200) {
      throw new AssertionError("Registering under " + subject + " answered " + answer);
    }
    return answer.json().path("id").asInt();
  }

  /** Sets a compatibility level, failing on anything but 200. */
  void setLevel(String subject, String level) {
    Answer answer = put(subject == null ? "/config" : "/config/" + subject, levelBody(level));
    if (answer.status() != 200) {
      throw new AssertionError("Setting " + level + " answered " + answer);
    }
  }

  /** {@code {"schema":"…"}} with the schema text escaped. */
  static String schemaBody(String schema) {
    ObjectNode body = JSON.createObjectNode().put("schema", schema);
    return body.toString();
  }

  static String levelBody(String level) {
    return JSON.createObjectNode().put("compatibility", level).toString();
  }

  private URI uri(String path) {
    return URI.create(url + path);
  }

  private Answer send(HttpRequest.Builder request) {
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try {
      var response =
          client.send(request.timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString());
      return new Answer(
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse(""),
          response.body(),
          response.headers().firstValue("WWW-Authenticate").orElse(""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
