package io.tideway.topology.runtime;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * What a request that changes what the runtime runs — a deploy, an undeploy, a reset, a rebuild —
 * must carry when the runtime has a token: {@code Authorization: Bearer <token>}. A deploy runs the
 * code of the jar it uploads, so whoever reaches such a runtime without the token must not.
 */
final class OperatorToken {

  static final String SCHEME = "Bearer ";

  /** Null: the runtime has no token, and every request is admitted. */
  private final byte[] token;

  OperatorToken(String token) {
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether a request with this {@code Authorization} header (or none: null) is admitted. */
  boolean admits(String authorization) {
    if (token == null) {
      return true;
    }
    if (authorization == null
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return false;
    }
    byte[] given = authorization.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
    // In time independent of where the two differ, so the token cannot be guessed byte by byte.
    return MessageDigest.isEqual(token, given);
  }
}
