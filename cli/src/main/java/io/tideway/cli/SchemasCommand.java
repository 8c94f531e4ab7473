package io.tideway.cli;

import io.tideway.schemas.client.CompatibilityLevel;
import io.tideway.schemas.client.HttpSchemaRegistryClient;
import io.tideway.schemas.client.RegistryMode;
import io.tideway.schemas.client.RegistryState;
import io.tideway.schemas.client.SchemaVersion;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tideway schemas}: read and change a schema registry's subjects, schemas, levels and modes,
 * and import another registry's schemas with their ids.
 */
@Command(
    name = "schemas",
    mixinStandardHelpOptions = true,
    description = "Operate a schema registry: list, get, register, check, config, mode, import.",
    subcommands = {
      SchemasCommand.ListCommand.class,
      SchemasCommand.GetCommand.class,
      SchemasCommand.RegisterCommand.class,
      SchemasCommand.CheckCommand.class,
      SchemasCommand.ConfigCommand.class,
      SchemasCommand.ModeCommand.class,
      SchemasImportCommand.class
    })
final class SchemasCommand {

  /** Exit code of {@code check} for an incompatible schema. */
  static final int INCOMPATIBLE = 1;

  private SchemasCommand() {}

  /** Runs one action with a registry client, printing to the command's output. */
  abstract static class Action implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin RegistryOption registry;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (HttpSchemaRegistryClient client = registry.client()) {
        int code = run(client, out);
        out.flush();
        return code;
      }
    }

    abstract int run(HttpSchemaRegistryClient client, PrintWriter out) throws Exception;

    Schema readSchema(Path file) {
      try {
        return RegistryState.parse(Files.readString(file));
      } catch (IOException e) {
        throw new ParameterException(
            spec.commandLine(), "Cannot read " + file + ": " + e.getMessage());
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List subjects with their latest version and schema id.")
  static final class ListCommand extends Action {
    @Override
    int run(HttpSchemaRegistryClient client, PrintWriter out) {
      List<String> subjects = client.subjects();
      out.printf("%-60s %8s %8s%n", "SUBJECT", "VERSION", "ID");
      for (String subject : subjects) {
        SchemaVersion latest = client.latest(subject);
        out.printf("%-60s %8d %8d%n", subject, latest.version(), latest.id());
      }
      return 0;
    }
  }

  // Not the standard help options: their --version would take the place of the subject's.
  @Command(
      name = "get",
      description = "Print a schema: a subject's version, or the schema with an id.")
  static final class GetCommand extends Action {
    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help message and exit.")
    boolean help;

    @ArgGroup(multiplicity = "1")
    Target target;

    static final class Target {
      @Parameters(paramLabel = "SUBJECT", description = "The subject.")
      String subject;

      @Option(names = "--id", paramLabel = "ID", description = "A schema id instead of a subject.")
      Integer id;
    }

    @Option(
        names = "--version",
        paramLabel = "N",
        description = "The subject's version (default: the latest).")
    Integer version;

    @Override
    int run(HttpSchemaRegistryClient client, PrintWriter out) {
      if (target.id != null) {
        out.println(client.schemaById(target.id).toString(true));
        return 0;
      }
      SchemaVersion v =
          version == null ? client.latest(target.subject) : client.version(target.subject, version);
      out.println("# subject " + v.subject() + ", version " + v.version() + ", id " + v.id());
      out.println(RegistryState.parse(v.schema()).toString(true));
      return 0;
    }
  }

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description =
          "Register a schema file under a subject; the same schema again keeps its id and version.")
  static final class RegisterCommand extends Action {
    @Parameters(index = "0", paramLabel = "SUBJECT")
    String subject;

    @Parameters(index = "1", paramLabel = "FILE", description = "An .avsc file.")
    Path file;

    @Option(
        names = "--dry-run",
        description = "Check compatibility and say what would happen; register nothing.")
    boolean dryRun;

    @Override
    int run(HttpSchemaRegistryClient client, PrintWriter out) {
      Schema schema = readSchema(file);
      if (dryRun) {
        List<String> problems = client.checkCompatibility(subject, schema);
        if (!problems.isEmpty()) {
          printIncompatible(out, subject, client.compatibilityOf(subject), problems);
          return INCOMPATIBLE;
        }
        out.println(
            "Would register " + schema.getFullName() + " under " + subject + " (compatible)");
        return 0;
      }
      int id = client.register(subject, schema);
      SchemaVersion registered = client.latest(subject);
      out.println(
          "Registered "
              + schema.getFullName()
              + " under "
              + subject
              + ": id "
              + id
              + (registered.id() == id ? ", version " + registered.version() : ""));
      return 0;
    }
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description =
          "Check a schema file against a subject under its compatibility level; exit 1 if it breaks"
              + " compatibility.")
  static final class CheckCommand extends Action {
    @Parameters(index = "0", paramLabel = "SUBJECT")
    String subject;

    @Parameters(index = "1", paramLabel = "FILE", description = "An .avsc file.")
    Path file;

    @Override
    int run(HttpSchemaRegistryClient client, PrintWriter out) {
      List<String> problems = client.checkCompatibility(subject, readSchema(file));
      if (problems.isEmpty()) {
        out.println("Compatible with " + subject + " under " + client.compatibilityOf(subject));
        return 0;
      }
      printIncompatible(out, subject, client.compatibilityOf(subject), problems);
      return INCOMPATIBLE;
    }
  }

  @Command(
      name = "config",
      mixinStandardHelpOptions = true,
      description = "Show or set the compatibility level, global or of one subject.")
  static final class ConfigCommand extends Action {
    @Parameters(arity = "0..1", paramLabel = "SUBJECT", description = "Default: the global level.")
    String subject;

    @Option(names = "--set", paramLabel = "LEVEL", description = "One of ${COMPLETION-CANDIDATES}.")
    CompatibilityLevel level;

    @Option(names = "--dry-run", description = "Say what would change; change nothing.")
    boolean dryRun;

    @Override
    int run(HttpSchemaRegistryClient client, PrintWriter out) {
      String scope = subject == null ? "global" : subject;
      CompatibilityLevel current =
          subject == null ? client.globalCompatibility() : client.compatibilityOf(subject);
      if (level == null) {
        out.println(scope + ": " + current);
        return 0;
      }
      if (dryRun) {
        out.println("Would set " + scope + " from " + current + " to " + level);
        return 0;
      }
      client.setCompatibility(subject, level);
      out.println(scope + ": " + current + " -> " + level);
      return 0;
    }
  }

  @Command(
      name = "mode",
      mixinStandardHelpOptions = true,
      description = "Show or set the mode, global or of one subject.")
  static final class ModeCommand extends Action {
    @Parameters(
        arity = "0..1",
        paramLabel = "SUBJECT",
        description = "Default: the global mode. A subject's is its own, or else the global one.")
    String subject;

    @Option(names = "--set", paramLabel = "MODE", description = "One of ${COMPLETION-CANDIDATES}.")
    RegistryMode mode;

    @Option(
        names = "--clear",
        description = "Remove the subject's own mode: the global one applies to it again.")
    boolean clear;

    @Option(names = "--force", description = "Set IMPORT even where there are schemas already.")
    boolean force;

    @Option(names = "--dry-run", description = "Say what would change; change nothing.")
    boolean dryRun;

    @Override
    int run(HttpSchemaRegistryClient client, PrintWriter out) {
      if (clear && (mode != null || subject == null)) {
        throw new ParameterException(
            spec.commandLine(),
            "--clear takes a subject and no --set: it removes the subject's own mode");
      }
      String scope = subject == null ? "global" : subject;
      RegistryMode current = client.mode(subject);
      if (mode == null && !clear) {
        out.println(scope + ": " + current);
        return 0;
      }
      String change = clear ? "its own mode removed" : mode.name();
      if (dryRun) {
        out.println("Would set " + scope + " from " + current + " to " + change);
        return 0;
      }
      if (clear) {
        client.clearMode(subject);
      } else {
        client.setMode(subject, mode, force);
      }
      out.println(scope + ": " + current + " -> " + (clear ? client.mode(subject) : mode));
      return 0;
    }
  }

  private static void printIncompatible(
      PrintWriter out, String subject, CompatibilityLevel level, List<String> problems) {
    out.println("Incompatible with " + subject + " under " + level + ":");
    problems.forEach(p -> out.println("  " + p));
  }
}
