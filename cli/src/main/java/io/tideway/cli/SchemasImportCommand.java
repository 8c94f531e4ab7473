package io.tideway.cli;

import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.HttpSchemaRegistryClient;
import io.tideway.schemas.client.RegistryException;
import io.tideway.schemas.client.RegistryMode;
import io.tideway.schemas.client.SchemaVersion;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code tideway schemas import --from URL}: another registry's schemas, with their ids and
 * versions, into this one, a subject at a time in import mode.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Copy another registry's schemas into this one with the ids and versions they have there,"
          + " so that the records written with them read the same. Each subject is put in"
          + " IMPORT mode while its versions are copied, then given back its own mode.",
      "Every version of each subject is copied, soft-deleted ones too (soft-deleted here as"
          + " well), and the subject's own compatibility level; the global level is not. A"
          + " subject this registry has already is"
          + " imported into only with --force: what is there already is kept, a version or id"
          + " that holds something else here is refused. So an interrupted import runs again"
          + " with --force."
    })
final class SchemasImportCommand extends SchemasCommand.Action {
  @Option(
      names = "--from",
      required = true,
      converter = HttpUrlConverter.class,
      paramLabel = "URL",
      description =
          "The registry to copy from (any Confluent-compatible one); credentials as"
              + " user:password@ in the URL.")
  String from;

  @Option(
      names = "--subject",
      paramLabel = "SUBJECT",
      description = "Only this subject; repeatable (default: every subject).")
  List<String> subjects;

  @Option(names = "--force", description = "Import into subjects this registry has already.")
  boolean force;

  @Option(names = "--dry-run", description = "Say what would be imported; change nothing.")
  boolean dryRun;

  /** A version to copy, and whether it is soft-deleted where it comes from. */
  private record Copied(SchemaVersion version, boolean deleted) {}

  /** A subject to copy: its versions, and its own compatibility level. */
  private record Subject(List<Copied> versions, Optional<CompatibilityLevel> level) {}

  @Override
  int run(HttpSchemaRegistryClient client, PrintWriter out) {
    Map<String, Subject> bySubject = new LinkedHashMap<>();
    try (HttpSchemaRegistryClient source = new HttpSchemaRegistryClient(from)) {
      for (String subject : subjects != null ? subjects : source.subjects(true)) {
        List<Integer> live = versionsOrNone(source, subject, false);
        List<Copied> copied = new ArrayList<>();
        for (int version : versionsOrNone(source, subject, true)) {
          copied.add(new Copied(source.version(subject, version, true), !live.contains(version)));
        }
        if (copied.isEmpty()) {
          throw new ParameterException(
              spec.commandLine(), source.url() + " has no subject " + subject);
        }
        bySubject.put(subject, new Subject(copied, source.ownCompatibility(subject)));
      }
      out.println(
          "Read "
              + bySubject.values().stream().mapToInt(subject -> subject.versions().size()).sum()
              + " version(s) of "
              + bySubject.size()
              + " subject(s) from "
              + source.url());
    }
    List<String> present =
        bySubject.keySet().stream()
            .filter(subject -> !versionsOrNone(client, subject, true).isEmpty())
            .toList();
    RegistryMode global = client.mode(null);
    if (global == RegistryMode.READONLY_OVERRIDE) {
      throw new ParameterException(
          spec.commandLine(),
          client.url() + " is in READONLY_OVERRIDE mode, which no subject's mode overrides");
    }
    if (dryRun) {
      bySubject.forEach(
          (name, subject) -> {
            subject.versions().forEach(c -> out.println("Would import " + describe(c)));
            subject
                .level()
                .ifPresent(level -> out.println("Would set " + name + "'s level to " + level));
          });
      if (!present.isEmpty()) {
        out.println(
            "Already here"
                + (force ? ", imported into with --force: " : " (needs --force): ")
                + String.join(", ", present));
      }
      return 0;
    }
    if (!present.isEmpty() && !force) {
      throw new ParameterException(
          spec.commandLine(),
          "Subjects already in "
              + client.url()
              + ": "
              + String.join(", ", present)
              + "; pass --force to import into them (what is there already is kept)");
    }
    int versions = 0;
    for (Map.Entry<String, Subject> subject : bySubject.entrySet()) {
      out.println(
          "Importing "
              + subject.getKey()
              + ": "
              + subject.getValue().versions().size()
              + " version(s)");
      out.flush();
      importSubject(client, subject.getKey(), subject.getValue(), global, out);
      versions += subject.getValue().versions().size();
    }
    out.println(
        "Imported "
            + versions
            + " version(s) of "
            + bySubject.size()
            + " subject(s) into "
            + client.url());
    try (HttpSchemaRegistryClient source = new HttpSchemaRegistryClient(from)) {
      CompatibilityLevel there = source.globalCompatibility();
      CompatibilityLevel here = client.globalCompatibility();
      if (there != here) {
        out.println(
            "The global level here is "
                + here
                + ", there "
                + there
                + "; subjects without a level of their own follow it. Not copied: set it with"
                + " `tideway schemas config --set "
                + there
                + "`");
      }
    }
    return 0;
  }

  /**
   * Puts the subject in IMPORT mode, copies its versions and level, and gives it back its own mode.
   */
  private void importSubject(
      HttpSchemaRegistryClient client,
      String subject,
      Subject copy,
      RegistryMode global,
      PrintWriter out) {
    Optional<RegistryMode> own = client.ownMode(subject);
    boolean switched = own.orElse(global) != RegistryMode.IMPORT;
    if (switched) {
      client.setMode(subject, RegistryMode.IMPORT, force);
    } else if (own.isPresent()) {
      out.println(
          "  "
              + subject
              + " has IMPORT as its own mode, maybe from an import that was stopped, and keeps"
              + " it: clear it with `tideway schemas mode "
              + subject
              + " --clear`");
    }
    RuntimeException failure = null;
    try {
      for (Copied c : copy.versions()) {
        SchemaVersion v = c.version();
        try {
          client.importSchema(subject, v.schema(), v.id(), v.version());
          if (c.deleted()) {
            softDelete(client, subject, v.version());
          }
        } catch (RegistryException e) {
          throw new RegistryException(
              e.httpStatus(),
              e.errorCode(),
              "Importing " + describe(c) + " failed: " + e.getMessage(),
              e);
        }
      }
      if (copy.level().isPresent()) {
        Optional<CompatibilityLevel> before = client.ownCompatibility(subject);
        if (!before.equals(copy.level())) {
          client.setCompatibility(subject, copy.level().get());
          out.println(
              "  level "
                  + before.map(Enum::name).orElse("(none of its own)")
                  + " -> "
                  + copy.level().get());
        }
      }
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      if (switched) {
        restoreMode(client, subject, own, failure);
      }
    }
  }

  private void restoreMode(
      HttpSchemaRegistryClient client,
      String subject,
      Optional<RegistryMode> own,
      RuntimeException failure) {
    try {
      if (own.isPresent()) {
        client.setMode(subject, own.get(), false);
      } else {
        client.clearMode(subject);
      }
    } catch (RuntimeException e) {
      String stuck =
          subject
              + " is left in IMPORT mode ("
              + e.getMessage()
              + "): give it back its mode with `tideway schemas mode "
              + subject
              + own.map(mode -> " --set " + mode).orElse(" --clear")
              + "`";
      if (failure == null) {
        throw new IllegalStateException(stuck, e);
      }
      spec.commandLine().getErr().println(stuck);
    }
  }

  private static void softDelete(HttpSchemaRegistryClient client, String subject, int version) {
    try {
      client.deleteVersion(subject, version, false);
    } catch (RegistryException e) {
      if (e.errorCode() != RegistryException.VERSION_SOFT_DELETED) {
        throw e;
      }
    }
  }

  /** A subject's versions; none for a subject the registry does not know (40401). */
  private static List<Integer> versionsOrNone(
      HttpSchemaRegistryClient registry, String subject, boolean includeDeleted) {
    try {
      return registry.versions(subject, includeDeleted);
    } catch (RegistryException e) {
      if (e.errorCode() == RegistryException.SUBJECT_NOT_FOUND) {
        return List.of();
      }
      throw e;
    }
  }

  private static String describe(Copied c) {
    SchemaVersion v = c.version();
    return v.subject()
        + " version "
        + v.version()
        + " as id "
        + v.id()
        + (c.deleted() ? " (soft-deleted)" : "");
  }
}
