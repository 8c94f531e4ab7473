package io.tideway.schemas.client;

/**
 * A request the schema registry refused or could not serve, with the HTTP status and the error code
 * of Confluent Schema Registry's API, so that clients written for it handle ours the same way.
 */
public final class RegistryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Subject not found. */
  public static final int SUBJECT_NOT_FOUND = 40401;

  /** Version not found. */
  public static final int VERSION_NOT_FOUND = 40402;

  /** Schema not found. */
  public static final int SCHEMA_NOT_FOUND = 40403;

  /** Subject was soft-deleted; a permanent delete or {@code deleted=true} is needed. */
  public static final int SUBJECT_SOFT_DELETED = 40404;

  /** A permanent delete of a subject that was not soft-deleted first. */
  public static final int SUBJECT_NOT_SOFT_DELETED = 40405;

  /** Version was soft-deleted. */
  public static final int VERSION_SOFT_DELETED = 40406;

  /** A permanent delete of a version that was not soft-deleted first. */
  public static final int VERSION_NOT_SOFT_DELETED = 40407;

  /** The subject has no compatibility level of its own. */
  public static final int SUBJECT_LEVEL_NOT_CONFIGURED = 40408;

  /** The subject has no mode of its own. */
  public static final int SUBJECT_MODE_NOT_CONFIGURED = 40409;

  /** The schema is incompatible with earlier versions under the subject's compatibility level. */
  public static final int INCOMPATIBLE_SCHEMA = 409;

  /** The schema text is not a valid schema. */
  public static final int INVALID_SCHEMA = 42201;

  /** The version is not a positive number or {@code latest}. */
  public static final int INVALID_VERSION = 42202;

  /** The compatibility level is not one of the seven levels. */
  public static final int INVALID_COMPATIBILITY_LEVEL = 42203;

  /** The mode is not one of the four modes. */
  public static final int INVALID_MODE = 42204;

  /**
   * The registry's mode does not allow the operation (a registration in read-only mode, an id given
   * outside import mode), or an import contradicts what the registry holds.
   */
  public static final int OPERATION_NOT_PERMITTED = 42205;

  /** The registry's store failed. */
  public static final int STORE_ERROR = 50001;

  /** The registry's store did not answer in time. */
  public static final int STORE_TIMEOUT = 50002;

  private final int httpStatus;
  private final int errorCode;

  /**
   * @param httpStatus the HTTP status the REST API answers with
   * @param errorCode Confluent's error code, such as {@link #SUBJECT_NOT_FOUND}
   * @param message what was wrong, naming the subject, version, id or field
   */
  public RegistryException(int httpStatus, int errorCode, String message) {
    super(message);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  /**
   * @param httpStatus the HTTP status
   * @param errorCode Confluent's error code
   * @param message what was wrong
   * @param cause the underlying failure
   */
  public RegistryException(int httpStatus, int errorCode, String message, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  /** The HTTP status of the REST API's answer. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Confluent's error code. */
  public int errorCode() {
    return errorCode;
  }

  static RegistryException subjectNotFound(String subject) {
    return new RegistryException(404, SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
  }

  static RegistryException versionNotFound(String subject, int version) {
    return new RegistryException(
        404, VERSION_NOT_FOUND, "Version " + version + " not found for subject '" + subject + "'.");
  }

  static RegistryException schemaNotFound(String what) {
    return new RegistryException(404, SCHEMA_NOT_FOUND, "Schema " + what + " not found.");
  }

  static RegistryException invalidSchema(String reason) {
    return new RegistryException(422, INVALID_SCHEMA, "Invalid schema: " + reason);
  }

  static RegistryException invalidVersion(String version) {
    return new RegistryException(
        422,
        INVALID_VERSION,
        "The specified version '"
            + version
            + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string"
            + " \"latest\"");
  }

  static RegistryException invalidCompatibilityLevel(String level) {
    return new RegistryException(
        422,
        INVALID_COMPATIBILITY_LEVEL,
        "Invalid compatibility level '"
            + level
            + "'. Valid values are "
            + java.util.Arrays.toString(CompatibilityLevel.values()));
  }
}
