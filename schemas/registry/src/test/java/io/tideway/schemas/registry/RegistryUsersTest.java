package io.tideway.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.schemas.registry.RegistryUsers.Role;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class RegistryUsersTest {

  private static final RegistryUsers USERS =
      RegistryUsers.parse(
          "ci: pass:with,commas, Writer\r\n  # a comment\n\ndashboards:other , reader", "users");

  @Test
  void authenticatesBasicCredentialsAndGivesTheUsersRole() {
    assertThat(USERS.role(basic("ci:pass:with,commas"))).isEqualTo(Role.WRITER);
    assertThat(USERS.role(basic("dashboards:other"))).isEqualTo(Role.READER);
    assertThat(USERS.role("basic " + encoded("dashboards:other"))).isEqualTo(Role.READER);
  }

  @Test
  void refusesAnythingElse() {
    assertThat(USERS.role(null)).isNull();
    assertThat(USERS.role(basic("ci:pass"))).isNull();
    assertThat(USERS.role(basic("nobody:other"))).isNull();
    assertThat(USERS.role(basic("dashboards"))).isNull();
    assertThat(USERS.role("Basic not-base64!")).isNull();
    assertThat(USERS.role("Bearer " + encoded("dashboards:other"))).isNull();
  }

  @Test
  void namesTheLineItCannotRead() {
    assertThatThrownBy(() -> RegistryUsers.parse("ci: secret, writer\nops secret, writer", "f"))
        .hasMessage("f, line 2: not 'name: password, role' (role: reader or writer)");
    assertThatThrownBy(() -> RegistryUsers.parse("ci: secret, admin", "f"))
        .hasMessage("f, line 1: unknown role 'admin': reader or writer");
    assertThatThrownBy(() -> RegistryUsers.parse("ci: , writer", "f"))
        .hasMessage("f, line 1: user ci has no password");
    assertThatThrownBy(() -> RegistryUsers.parse("ci: a, writer\nci: b, reader", "f"))
        .hasMessage("f, line 2: user ci is named twice");
    assertThatThrownBy(
            () -> RegistryUsers.parse("ci: MD5:164c88b302622e17050af52c89945d44, writer", "f"))
        .hasMessage(
            "f, line 1: user ci has a password in Jetty's MD5: form, which this registry does not"
                + " read: give it as plain text");
    assertThatThrownBy(() -> RegistryUsers.parse("# nobody\n", "f")).hasMessage("f names no user");
  }

  @Test
  void authenticatesAgainstHashedPasswordsThatGiveNothingAway() {
    String hashed = RegistryUsers.hash("s3cret:with,commas", RegistryUsers.MIN_ITERATIONS);
    RegistryUsers users =
        RegistryUsers.parse("ci: " + hashed + ", writer\nops: plain, reader", "f");

    assertThat(hashed).startsWith("PBKDF2-SHA256:10000:").doesNotContain("s3cret");
    assertThat(RegistryUsers.hash("s3cret:with,commas", RegistryUsers.MIN_ITERATIONS))
        .as("a salt of its own")
        .isNotEqualTo(hashed);
    assertThat(users.role(basic("ci:s3cret:with,commas"))).isEqualTo(Role.WRITER);
    // Again, from what the first authentication learnt; and a wrong one still refused.
    assertThat(users.role(basic("ci:s3cret:with,commas"))).isEqualTo(Role.WRITER);
    assertThat(users.role(basic("ci:s3cret"))).isNull();
    assertThat(users.role(basic("ci:" + hashed))).isNull();
    assertThat(users.role(basic("nobody:s3cret:with,commas"))).isNull();
    assertThat(users.role(basic("ops:plain"))).isEqualTo(Role.READER);
  }

  @Test
  void namesTheLineOfAHashedPasswordItCannotRead() {
    assertThatThrownBy(() -> RegistryUsers.parse("ci: PBKDF2-SHA256:10000:abc, writer", "f"))
        .hasMessageStartingWith("f, line 1: user ci has a hashed password not in the form");
    assertThatThrownBy(
            () ->
                RegistryUsers.parse("ci: PBKDF2-SHA256:ten:AAAAAAAAAAA=:AAAAAAAAAAA=, writer", "f"))
        .hasMessageStartingWith("f, line 1: user ci has a hashed password not in the form");
    String weak =
        RegistryUsers.hash("x", RegistryUsers.MIN_ITERATIONS)
            .replace(":" + RegistryUsers.MIN_ITERATIONS + ":", ":1000:");
    assertThatThrownBy(() -> RegistryUsers.parse("ci: " + weak + ", writer", "f"))
        .hasMessage(
            "f, line 1: user ci has a hashed password of 1000 iterations, fewer than 10000");
    assertThatThrownBy(() -> RegistryUsers.hash("x", 5))
        .hasMessage("A hash needs at least 10000 iterations, not 5");
  }

  private static String basic(String credentials) {
    return "Basic " + encoded(credentials);
  }

  private static String encoded(String credentials) {
    return Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
  }
}
