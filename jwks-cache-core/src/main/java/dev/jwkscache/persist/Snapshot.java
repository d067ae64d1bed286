package dev.jwkscache.persist;

import java.time.Instant;

/**
 * A persisted cache payload of one tenant/provider pair (DESIGN section 7). Encoded by {@link
 * SnapshotCodec} as JSON with snake_case names and RFC 3339 UTC times; checked against a
 * registration by {@link SnapshotValidator}; optionally sealed by {@link SnapshotSealer}.
 *
 * <p>The record itself does not validate: a snapshot read from a store is untrusted input and is
 * judged by the validator (and the sealer when one is configured), which report problems as {@link
 * dev.jwkscache.PersistenceException}.
 *
 * @param tenantId tenant of the pair
 * @param providerId provider of the pair
 * @param jwksJson the public key set as served
 * @param etag the upstream ETag exactly as received (quotes and {@code W/} included), or null
 * @param lastModified the upstream Last-Modified as an instant (second precision), or null; see
 *     {@link SnapshotCodec#parseHttpDate} and {@link SnapshotCodec#formatHttpDate} to convert the
 *     header value
 * @param expiresAt when the payload stops being fresh; restored as is
 * @param persistedAt when the snapshot was written
 * @param seal HMAC seal ({@code keyId:base64url}), or null when sealing is off
 */
public record Snapshot(String tenantId, String providerId, String jwksJson, String etag,
    Instant lastModified, Instant expiresAt, Instant persistedAt, String seal) {

  /** An unsealed snapshot. */
  public static Snapshot of(String tenantId, String providerId, String jwksJson, String etag,
      Instant lastModified, Instant expiresAt, Instant persistedAt) {
    return new Snapshot(tenantId, providerId, jwksJson, etag, lastModified, expiresAt, persistedAt,
        null);
  }

  /** The same snapshot carrying a seal (null removes it). */
  public Snapshot withSeal(String newSeal) {
    return new Snapshot(tenantId, providerId, jwksJson, etag, lastModified, expiresAt, persistedAt,
        newSeal);
  }

  /** The pair this snapshot belongs to. */
  public SnapshotStore.PairId pair() {
    return new SnapshotStore.PairId(tenantId, providerId);
  }

  /** Leaves the key set and the seal out of logs: the first can be long, the second is noise. */
  @Override
  public String toString() {
    return "Snapshot[tenantId=" + tenantId + ", providerId=" + providerId + ", jwksJson="
        + (jwksJson == null ? "null" : jwksJson.length() + " chars") + ", etag=" + etag
        + ", lastModified=" + lastModified + ", expiresAt=" + expiresAt + ", persistedAt="
        + persistedAt + ", sealed=" + (seal != null) + "]";
  }
}
