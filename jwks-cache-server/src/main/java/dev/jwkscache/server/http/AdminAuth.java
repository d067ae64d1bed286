package dev.jwkscache.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The admin endpoints' bearer token check. Both sides are hashed to SHA-256 first, so the
 * comparison ({@link MessageDigest#isEqual}, constant time) never depends on how many leading
 * characters match, nor on the token's length. No token configured: admin is disabled (403).
 */
public final class AdminAuth {
  private final byte[] expectedDigest;

  /** @param token the configured token, or null: admin disabled */
  public AdminAuth(String token) {
    this.expectedDigest = token == null ? null : sha256(token);
  }

  public boolean enabled() {
    return expectedDigest != null;
  }

  /** Null when the request may go on; otherwise the problem to answer. */
  public Problem check(String authorization) {
    if (expectedDigest == null) {
      return Problem.of(403, "admin-disabled", "The admin endpoints are disabled",
          "No admin token is configured; set server.admin_token or JWKS_CACHE_ADMIN_TOKEN to"
              + " enable them.");
    }
    String token = bearer(authorization);
    if (token == null) {
      return Problem.of(401, "unauthorized", "Admin token required",
          "Send the admin token as 'Authorization: Bearer <token>'.")
          .header("WWW-Authenticate", "Bearer realm=\"jwks-cache admin\"");
    }
    if (!MessageDigest.isEqual(expectedDigest, sha256(token))) {
      return Problem.of(401, "unauthorized", "Wrong admin token",
          "The bearer token does not match the configured admin token.")
          .header("WWW-Authenticate",
              "Bearer realm=\"jwks-cache admin\", error=\"invalid_token\"");
    }
    return null;
  }

  private static String bearer(String header) {
    if (header == null) {
      return null;
    }
    String h = header.strip();
    if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String t = h.substring(7).strip();
    return t.isEmpty() ? null : t;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
