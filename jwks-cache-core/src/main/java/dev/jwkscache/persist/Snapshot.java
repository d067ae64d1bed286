package dev.jwkscache.persist;

import java.time.Instant;

/**
 * A persisted cache payload of one tenant/provider pair (DESIGN section 7). JSON field names are
 * snake_case, times RFC 3339 UTC.
 *
 * @param tenantId tenant of the pair
 * @param providerId provider of the pair
 * @param jwksJson the public key set as served
 * @param etag the upstream ETag, or null
 * @param lastModified the upstream Last-Modified (HTTP-date string as received), or null
 * @param expiresAt when the payload stops being fresh; restored as is
 * @param persistedAt when the snapshot was written
 * @param seal HMAC seal ({@code keyId:base64}), or null when sealing is off
 */
public record Snapshot(String tenantId, String providerId, String jwksJson, String etag,
    String lastModified, Instant expiresAt, Instant persistedAt, String seal) {

  /** The same snapshot carrying a seal. */
  public Snapshot withSeal(String newSeal) {
    return new Snapshot(tenantId, providerId, jwksJson, etag, lastModified, expiresAt, persistedAt,
        newSeal);
  }
}
