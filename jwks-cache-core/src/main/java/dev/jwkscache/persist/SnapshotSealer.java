package dev.jwkscache.persist;

import dev.jwkscache.PersistenceException;
import dev.jwkscache.ValidationException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals snapshots with HMAC-SHA256 and checks seals, so that a snapshot store cannot be used to
 * plant keys (whoever can write the store could otherwise make the cache trust keys of their
 * choosing). Thread-safe and immutable.
 *
 * <p>A seal reads {@code <keyId>:<mac>}, the MAC in unpadded base64url. New seals are made with the
 * current key; {@link #verify} accepts a seal made by the current key or by any of the listed older
 * keys, which lets a deployment rotate: add the new key as current with the old one listed, and
 * drop the old one once every snapshot has been rewritten.
 *
 * <p>The MAC covers every other snapshot member in a fixed order, each written so that no two
 * different snapshots give the same bytes (every member is length-prefixed; null and empty differ):
 *
 * <pre>
 *   str("jwks-cache snapshot seal v1"), str(keyId),
 *   str(tenant_id), str(provider_id), str(jwks_json), str(etag),
 *   time(last_modified), time(expires_at), time(persisted_at)
 *
 *   str(null)  = 0x00
 *   str(s)     = 0x01, u32 number of UTF-16 code units, the code units (big-endian u16 each)
 *   time(null) = 0x00
 *   time(t)    = 0x01, i64 epoch seconds, u32 nanoseconds        (all big-endian)
 * </pre>
 *
 * <p>Strings are hashed as UTF-16 code units so that every Java string, even one with an unpaired
 * surrogate read from a JSON escape, has exactly one encoding.
 */
public final class SnapshotSealer {
  private static final String ALGORITHM = "HmacSHA256";
  private static final String DOMAIN = "jwks-cache snapshot seal v1";
  private static final int MAC_BYTES = 32;

  private final SealKey current;
  private final SecretKeySpec currentSpec;
  private final Map<String, SecretKeySpec> accepted;
  private final List<String> olderIds;

  /** A sealer with a single key and no older keys. */
  public SnapshotSealer(SealKey current) {
    this(current, List.of());
  }

  /**
   * A sealer that seals with {@code current} and also accepts seals made by {@code olderKeys}.
   *
   * @throws ValidationException when a key is null or two keys share an identifier
   */
  public SnapshotSealer(SealKey current, List<SealKey> olderKeys) {
    if (current == null) {
      throw new ValidationException("seal_key", "A current key is required.");
    }
    Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
    this.current = current;
    this.currentSpec = spec(current);
    keys.put(current.id(), currentSpec);
    List<String> older = new ArrayList<>();
    for (SealKey k : olderKeys == null ? List.<SealKey>of() : olderKeys) {
      if (k == null) {
        throw new ValidationException("seal_key.older", "Older keys must not be null.");
      }
      if (keys.containsKey(k.id())) {
        throw new ValidationException("seal_key.older", "Key id " + k.id()
            + " is listed twice; every key needs its own id.");
      }
      keys.put(k.id(), spec(k));
      older.add(k.id());
    }
    this.accepted = Collections.unmodifiableMap(keys);
    this.olderIds = List.copyOf(older);
  }

  /** The id of the key new seals are made with. */
  public String currentKeyId() {
    return current.id();
  }

  /** The ids of the older keys still accepted, in the order given. */
  public List<String> olderKeyIds() {
    return olderIds;
  }

  /**
   * The snapshot with a fresh seal by the current key (any existing seal is replaced).
   *
   * @throws PersistenceException when the snapshot is null
   */
  public Snapshot seal(Snapshot snapshot) {
    if (snapshot == null) {
      throw new PersistenceException("Cannot seal a null snapshot.");
    }
    byte[] mac = mac(currentSpec, current.id(), snapshot);
    return snapshot.withSeal(current.id() + ":"
        + Base64.getUrlEncoder().withoutPadding().encodeToString(mac));
  }

  /**
   * Checks the seal of a snapshot read from a store.
   *
   * @return the same snapshot, for chaining
   * @throws PersistenceException naming the pair when the seal is missing, malformed, made by a key
   *     that is not accepted, or does not match the snapshot's contents
   */
  public Snapshot verify(Snapshot snapshot) {
    if (snapshot == null) {
      throw new PersistenceException("Cannot verify a null snapshot.");
    }
    String who = PersistText.pair(snapshot.tenantId(), snapshot.providerId());
    String seal = snapshot.seal();
    if (seal == null || seal.isEmpty()) {
      throw new PersistenceException("Snapshot of " + who + " refused: seal: it has no seal, and"
          + " a sealing key is configured, so only sealed snapshots are restored.");
    }
    int colon = seal.indexOf(':');
    if (colon <= 0 || colon == seal.length() - 1) {
      throw new PersistenceException("Snapshot of " + who + " refused: seal: malformed seal "
          + PersistText.quote(seal) + "; expected <keyId>:<base64url HMAC>.");
    }
    String keyId = seal.substring(0, colon);
    SecretKeySpec spec = accepted.get(keyId);
    if (spec == null) {
      throw new PersistenceException("Snapshot of " + who + " refused: seal: made with key "
          + PersistText.quote(keyId) + ", which is not accepted (current key " + current.id()
          + (olderIds.isEmpty() ? "" : ", older keys " + olderIds) + ").");
    }
    byte[] presented;
    try {
      presented = Base64.getUrlDecoder().decode(seal.substring(colon + 1));
    } catch (IllegalArgumentException e) {
      throw new PersistenceException("Snapshot of " + who + " refused: seal: the MAC is not"
          + " base64url.");
    }
    byte[] expected = mac(spec, keyId, snapshot);
    if (presented.length != MAC_BYTES || !MessageDigest.isEqual(expected, presented)) {
      throw new PersistenceException("Snapshot of " + who + " refused: seal: it does not match"
          + " the contents (tampered, or sealed with a different secret under id "
          + PersistText.quote(keyId) + ").");
    }
    return snapshot;
  }

  private static SecretKeySpec spec(SealKey key) {
    byte[] secret = key.secret();
    try {
      return new SecretKeySpec(secret, ALGORITHM);
    } finally {
      java.util.Arrays.fill(secret, (byte) 0);
    }
  }

  private static byte[] mac(SecretKeySpec spec, String keyId, Snapshot s) {
    Mac mac;
    try {
      mac = Mac.getInstance(ALGORITHM);
      mac.init(spec);
    } catch (GeneralSecurityException e) {
      throw new PersistenceException("HMAC-SHA256 is not available in this JVM: " + e, e);
    }
    Canonical out = new Canonical(mac);
    out.str(DOMAIN);
    out.str(keyId);
    out.str(s.tenantId());
    out.str(s.providerId());
    out.str(s.jwksJson());
    out.str(s.etag());
    out.time(s.lastModified());
    out.time(s.expiresAt());
    out.time(s.persistedAt());
    return out.finish();
  }

  /** Streams the canonical form into the MAC through a small buffer. */
  private static final class Canonical {
    private final Mac mac;
    private final ByteBuffer buf = ByteBuffer.allocate(8192);

    Canonical(Mac mac) {
      this.mac = mac;
    }

    void str(String s) {
      if (s == null) {
        room(1);
        buf.put((byte) 0);
        return;
      }
      room(5);
      buf.put((byte) 1).putInt(s.length());
      for (int i = 0; i < s.length(); i++) {
        room(2);
        buf.putChar(s.charAt(i));
      }
    }

    void time(Instant t) {
      if (t == null) {
        room(1);
        buf.put((byte) 0);
        return;
      }
      room(13);
      buf.put((byte) 1).putLong(t.getEpochSecond()).putInt(t.getNano());
    }

    byte[] finish() {
      flush();
      return mac.doFinal();
    }

    private void room(int n) {
      if (buf.remaining() < n) {
        flush();
      }
    }

    private void flush() {
      buf.flip();
      mac.update(buf);
      buf.clear();
    }
  }
}
