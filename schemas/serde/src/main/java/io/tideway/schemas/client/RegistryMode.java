package io.tideway.schemas.client;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a schema registry, or one subject of it, lets clients change, as in Confluent Schema
 * Registry's {@code /mode} API.
 */
public enum RegistryMode {
  /** Registrations and deletes, as usual: the default. */
  READWRITE,
  /** No new registration and no delete; reads, lookups and levels as usual. */
  READONLY,
  /** As {@link #READONLY}, and, set globally, in force for every subject whatever its own mode. */
  READONLY_OVERRIDE,
  /**
   * Registrations only with the id (and version) they had elsewhere, without compatibility checks:
   * for copying another registry's schemas with the ids its records carry.
   */
  IMPORT;

  /** Whether registrations and deletes are refused. */
  public boolean readOnly() {
    return this == READONLY || this == READONLY_OVERRIDE;
  }

  /**
   * The mode with this name, in any case.
   *
   * @throws RegistryException 42204 for any other name
   */
  public static RegistryMode parse(String name) {
    if (name != null) {
      for (RegistryMode mode : values()) {
        if (mode.name().equals(name.trim().toUpperCase(Locale.ROOT))) {
          return mode;
        }
      }
    }
    throw new RegistryException(
        422,
        RegistryException.INVALID_MODE,
        "Invalid mode "
            + (name == null ? "(none given)" : "'" + name + "'")
            + ". Valid values are "
            + String.join(", ", Arrays.stream(values()).map(Enum::name).toList()));
  }
}
