package io.tideway.schemas.client.rest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The JSON bodies of the schema registry's REST API: the subset of Confluent Schema Registry's API
 * that Tideway serves and calls, with Confluent's field names, so that either side can be swapped
 * for Confluent Schema Registry, Apicurio's ccompat API or Karapace.
 */
public final class RegistryApi {

  /** The content type of requests and answers; plain {@code application/json} is accepted too. */
  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  /** The only schema type served. */
  public static final String AVRO = "AVRO";

  private RegistryApi() {}

  /**
   * {@code POST /subjects/{subject}/versions}, {@code POST /subjects/{subject}} and {@code POST
   * /compatibility/...}.
   *
   * @param schema the schema text
   * @param schemaType {@code AVRO}, or null for Avro
   * @param references schema references; not supported, must be empty
   * @param id the id the schema had in another registry: a registration in import mode only
   * @param version the version it had there, with {@code id}; null for the subject's next one
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SchemaRequest(
      String schema, String schemaType, List<Object> references, Integer id, Integer version) {
    /** A request for an Avro schema without references. */
    public static SchemaRequest avro(String schema) {
      return new SchemaRequest(schema, null, null, null, null);
    }

    /** An import of an Avro schema with the id and version it had in another registry. */
    public static SchemaRequest imported(String schema, int id, int version) {
      return new SchemaRequest(schema, null, null, id, version);
    }
  }

  /**
   * The answer to a registration.
   *
   * @param id the schema's global id
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RegisteredId(int id) {}

  /**
   * A version of a subject: {@code GET /subjects/{subject}/versions/{version}} and the lookup
   * {@code POST /subjects/{subject}}. {@code schemaType} is left out for Avro, as Confluent does.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SubjectSchema(
      String subject, Integer version, Integer id, String schemaType, String schema) {}

  /**
   * {@code GET /schemas/ids/{id}}.
   *
   * @param schema the schema text
   * @param schemaType left out for Avro
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SchemaText(String schema, String schemaType) {}

  /**
   * One subject and version: {@code GET /schemas/ids/{id}/versions}.
   *
   * @param subject the subject
   * @param version the version
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SubjectVersion(String subject, int version) {}

  /**
   * {@code GET /config[/{subject}]}.
   *
   * @param compatibilityLevel the level
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ConfigLevel(String compatibilityLevel) {}

  /**
   * {@code PUT /config[/{subject}]}, request and answer.
   *
   * @param compatibility the level
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ConfigUpdate(String compatibility) {}

  /**
   * {@code GET|PUT|DELETE /mode[/{subject}]}, request and answer.
   *
   * @param mode {@code READWRITE}, {@code READONLY}, {@code READONLY_OVERRIDE} or {@code IMPORT}
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ModeBody(String mode) {}

  /**
   * {@code POST /compatibility/subjects/{subject}/versions/{version}[?verbose=true]}.
   *
   * @param compatible whether the schema is compatible
   * @param messages why not, when asked with {@code verbose=true}
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CompatibilityResult(
      @JsonProperty("is_compatible") boolean compatible, List<String> messages) {}

  /**
   * Every error answer.
   *
   * @param errorCode Confluent's error code, such as 40401
   * @param message what was wrong
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ErrorBody(@JsonProperty("error_code") int errorCode, String message) {}
}
