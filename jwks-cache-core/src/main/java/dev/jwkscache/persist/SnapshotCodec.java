package dev.jwkscache.persist;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.jwkscache.PersistenceException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.SignStyle;
import java.time.temporal.ChronoField;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * JSON form of a {@link Snapshot}: one object with the snake_case members {@code tenant_id},
 * {@code provider_id}, {@code jwks_json} (the key set as a JSON string), {@code etag}, {@code
 * last_modified}, {@code expires_at}, {@code persisted_at} and {@code seal}. Times are RFC 3339 in
 * UTC ({@code 2024-05-01T12:00:00Z}); absent optional values are written as {@code null}.
 *
 * <p>Decoding is strict about types and required members (tenant_id, provider_id, jwks_json,
 * expires_at, persisted_at) and ignores unknown members, so that newer writers stay readable.
 * Every problem is reported as a {@link PersistenceException}; no other exception escapes. Decoding
 * checks form only: whether a snapshot fits a registration is {@link SnapshotValidator}'s job.
 *
 * <p>The class also converts HTTP dates (the {@code Last-Modified} header) to and from instants.
 */
public final class SnapshotCodec {
  public static final String TENANT_ID = "tenant_id";
  public static final String PROVIDER_ID = "provider_id";
  public static final String JWKS_JSON = "jwks_json";
  public static final String ETAG = "etag";
  public static final String LAST_MODIFIED = "last_modified";
  public static final String EXPIRES_AT = "expires_at";
  public static final String PERSISTED_AT = "persisted_at";
  public static final String SEAL = "seal";

  /** RFC 3339 date-time: full date, 'T', time with seconds, optional fraction, Z or an offset. */
  private static final Pattern RFC3339 = Pattern.compile(
      "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");

  /** IMF-fixdate, the form HTTP senders must generate: {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
  private static final DateTimeFormatter IMF_FIXDATE = new DateTimeFormatterBuilder()
      .appendPattern("EEE, dd MMM ")
      .appendValue(ChronoField.YEAR, 4, 4, SignStyle.NOT_NEGATIVE)
      .appendPattern(" HH:mm:ss 'GMT'")
      .toFormatter(Locale.US)
      .withZone(ZoneOffset.UTC);
  /** RFC 850 (obsolete): {@code Sunday, 06-Nov-94 08:49:37 GMT}, two-digit years read as 19xx/20xx. */
  private static final DateTimeFormatter RFC850 = new DateTimeFormatterBuilder()
      .parseCaseInsensitive()
      .appendPattern("EEEE, dd-MMM-")
      .appendValueReduced(ChronoField.YEAR, 2, 2, 1970)
      .appendPattern(" HH:mm:ss 'GMT'")
      .toFormatter(Locale.US)
      .withZone(ZoneOffset.UTC);
  /** asctime (obsolete): {@code Sun Nov  6 08:49:37 1994}. */
  private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder()
      .parseCaseInsensitive()
      .appendPattern("EEE MMM")
      .appendLiteral(' ')
      .optionalStart().appendLiteral(' ').optionalEnd()
      .appendPattern("d HH:mm:ss yyyy")
      .toFormatter(Locale.US)
      .withZone(ZoneOffset.UTC);

  private SnapshotCodec() {
  }

  /**
   * The JSON text of a snapshot.
   *
   * @throws PersistenceException when a required member (tenant_id, provider_id, jwks_json,
   *     expires_at, persisted_at) is null
   */
  public static String encode(Snapshot snapshot) {
    if (snapshot == null) {
      throw new PersistenceException("Cannot encode a null snapshot.");
    }
    requireForEncode(snapshot.tenantId(), TENANT_ID, snapshot);
    requireForEncode(snapshot.providerId(), PROVIDER_ID, snapshot);
    requireForEncode(snapshot.jwksJson(), JWKS_JSON, snapshot);
    requireForEncode(snapshot.expiresAt(), EXPIRES_AT, snapshot);
    requireForEncode(snapshot.persistedAt(), PERSISTED_AT, snapshot);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put(TENANT_ID, snapshot.tenantId());
    json.put(PROVIDER_ID, snapshot.providerId());
    json.put(ETAG, snapshot.etag());
    json.put(LAST_MODIFIED, formatTime(snapshot.lastModified()));
    json.put(EXPIRES_AT, formatTime(snapshot.expiresAt()));
    json.put(PERSISTED_AT, formatTime(snapshot.persistedAt()));
    json.put(SEAL, snapshot.seal());
    json.put(JWKS_JSON, snapshot.jwksJson());
    try {
      return escapeLoneSurrogates(JSONObjectUtils.toJSONString(json));
    } catch (RuntimeException e) {
      throw new PersistenceException("Could not encode the snapshot of "
          + PersistText.pair(snapshot.tenantId(), snapshot.providerId()) + ": " + e, e);
    }
  }

  /** {@link #encode} as UTF-8 bytes. */
  public static byte[] encodeToBytes(Snapshot snapshot) {
    return encode(snapshot).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads a snapshot from UTF-8 JSON bytes; malformed UTF-8 is refused rather than replaced.
   *
   * @throws PersistenceException when the bytes are not a well-formed snapshot
   */
  public static Snapshot decode(byte[] utf8) {
    if (utf8 == null) {
      throw new PersistenceException("Snapshot data is missing (null).");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(utf8))
          .toString();
    } catch (CharacterCodingException e) {
      throw new PersistenceException("Snapshot data is not valid UTF-8.", e);
    }
    return decode(text);
  }

  /**
   * Reads a snapshot from its JSON text.
   *
   * @throws PersistenceException when the text is not a well-formed snapshot: not JSON, not an
   *     object, a required member missing, a member of the wrong type, a time that is not RFC 3339
   */
  public static Snapshot decode(String json) {
    if (json == null) {
      throw new PersistenceException("Snapshot data is missing (null).");
    }
    Map<String, Object> map;
    try {
      map = JSONObjectUtils.parse(json);
    } catch (ParseException e) {
      throw new PersistenceException("Snapshot data is not a JSON object: " + e.getMessage(), e);
    } catch (RuntimeException | StackOverflowError e) {
      throw new PersistenceException("Snapshot data is not a JSON object: " + e, e);
    }
    if (map == null) {
      throw new PersistenceException("Snapshot data is not a JSON object (it is null).");
    }
    String tenant = string(map, TENANT_ID, true);
    String provider = string(map, PROVIDER_ID, true);
    String jwksJson = string(map, JWKS_JSON, true);
    String etag = string(map, ETAG, false);
    Instant lastModified = time(map, LAST_MODIFIED, false);
    Instant expiresAt = time(map, EXPIRES_AT, true);
    Instant persistedAt = time(map, PERSISTED_AT, true);
    String seal = string(map, SEAL, false);
    return new Snapshot(tenant, provider, jwksJson, etag, lastModified, expiresAt, persistedAt,
        seal);
  }

  /** An instant as RFC 3339 UTC ({@code 2024-05-01T12:00:00Z}, fraction only when non-zero). */
  public static String formatTime(Instant instant) {
    return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant);
  }

  /**
   * Parses an RFC 3339 date-time with any offset into an instant.
   *
   * @throws PersistenceException when the text is not RFC 3339
   */
  public static Instant parseTime(String text) {
    if (text == null || !RFC3339.matcher(text).matches()) {
      throw new PersistenceException("Not an RFC 3339 date-time: " + PersistText.quote(text) + ".");
    }
    try {
      return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT),
          DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeException e) {
      throw new PersistenceException("Not an RFC 3339 date-time: " + PersistText.quote(text) + ".",
          e);
    }
  }

  /**
   * An HTTP-date header value (IMF-fixdate, or the obsolete RFC 850 and asctime forms a recipient
   * must accept) as an instant; null when the value is null or not an HTTP date.
   */
  public static Instant parseHttpDate(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    for (DateTimeFormatter f : new DateTimeFormatter[] {IMF_FIXDATE, RFC850, ASCTIME}) {
      try {
        return f.parse(v, Instant::from);
      } catch (DateTimeParseException e) {
        // try the next form
      }
    }
    return null;
  }

  /** An instant as an IMF-fixdate ({@code If-Modified-Since} form), whole seconds; null for null. */
  public static String formatHttpDate(Instant instant) {
    return instant == null ? null : IMF_FIXDATE.format(instant);
  }

  /**
   * An unpaired surrogate has no UTF-8 form, so writing it raw would turn it into {@code ?} and the
   * snapshot would come back different (and its seal would no longer match). Written as a JSON
   * escape it survives. Such characters only occur inside string literals, so escaping them in the
   * finished document is safe.
   */
  private static String escapeLoneSurrogates(String json) {
    StringBuilder out = null;
    int len = json.length();
    for (int i = 0; i < len; i++) {
      char c = json.charAt(i);
      boolean lone;
      if (Character.isHighSurrogate(c)) {
        lone = i + 1 >= len || !Character.isLowSurrogate(json.charAt(i + 1));
        if (!lone) {
          if (out != null) {
            out.append(c).append(json.charAt(i + 1));
          }
          i++;
          continue;
        }
      } else {
        lone = Character.isLowSurrogate(c);
      }
      if (lone) {
        if (out == null) {
          out = new StringBuilder(len + 16).append(json, 0, i);
        }
        out.append(String.format("\\u%04x", (int) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? json : out.toString();
  }

  private static void requireForEncode(Object value, String member, Snapshot s) {
    if (value == null) {
      throw new PersistenceException("Cannot encode the snapshot of "
          + PersistText.pair(s.tenantId(), s.providerId()) + ": " + member + " is required.");
    }
  }

  private static String string(Map<String, Object> map, String member, boolean required) {
    Object v = map.get(member);
    if (v == null) {
      if (required) {
        throw new PersistenceException("Snapshot member " + member + " is missing.");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new PersistenceException("Snapshot member " + member + " must be a string, not "
          + typeName(v) + ".");
    }
    return s;
  }

  private static Instant time(Map<String, Object> map, String member, boolean required) {
    String text = string(map, member, required);
    if (text == null) {
      return null;
    }
    try {
      return parseTime(text);
    } catch (PersistenceException e) {
      throw new PersistenceException("Snapshot member " + member + " is not an RFC 3339 date-time: "
          + PersistText.quote(text) + ".", e);
    }
  }

  private static String typeName(Object v) {
    if (v instanceof Number) {
      return "a number";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof Map) {
      return "an object";
    }
    if (v instanceof java.util.List) {
      return "an array";
    }
    return v.getClass().getSimpleName();
  }
}
