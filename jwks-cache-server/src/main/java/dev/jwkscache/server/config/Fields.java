package dev.jwkscache.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.jwkscache.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Strict reading of one JSON/YAML object: every read names its key path, a value of the wrong
 * type is refused with that path, and {@link #finish()} refuses any key that was not read. Errors
 * are {@link ValidationException}s whose field is the full key path ({@code
 * providers[1].retry_policy.deadline}).
 */
public final class Fields {
  private final JsonNode node;
  private final String path;
  private final Set<String> known = new LinkedHashSet<>();

  private Fields(JsonNode node, String path) {
    this.node = node;
    this.path = path;
  }

  /** Reads {@code node}, which must be an object (or absent/null: an empty object). */
  public static Fields of(JsonNode node, String path) {
    if (node != null && !node.isNull() && !node.isMissingNode() && !node.isObject()) {
      throw new ValidationException(display(path), "Must be a mapping (object) of keys; got "
          + describe(node) + ".");
    }
    return new Fields(node, path);
  }

  /** The full path of a key of this object. */
  public String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private JsonNode get(String key) {
    known.add(key);
    if (node == null || !node.isObject()) {
      return null;
    }
    JsonNode v = node.get(key);
    return v == null || v.isNull() || v.isMissingNode() ? null : v;
  }

  public boolean has(String key) {
    return get(key) != null;
  }

  public String string(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw new ValidationException(path(key), "Must be a string; got " + describe(v) + ".");
    }
    return v.textValue();
  }

  public String requiredString(String key) {
    String s = string(key);
    if (s == null) {
      throw new ValidationException(path(key), "Is required.");
    }
    return s;
  }

  public Boolean bool(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    if (!v.isBoolean()) {
      throw new ValidationException(path(key), "Must be true or false; got " + describe(v) + ".");
    }
    return v.booleanValue();
  }

  public Long integer(String key, long min, long max) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new ValidationException(path(key), "Must be a whole number; got " + describe(v) + ".");
    }
    long n = v.longValue();
    if (n < min || n > max) {
      throw new ValidationException(path(key),
          "Must be between " + min + " and " + max + "; got " + n + ".");
    }
    return n;
  }

  public Duration duration(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw new ValidationException(path(key), "Must be a duration string with a unit (30s, 250ms,"
          + " 5m, 24h, 1d) or ISO-8601 (PT30S); got " + describe(v) + ".");
    }
    return Durations.parse(v.textValue(), path(key));
  }

  public List<String> strings(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    if (!v.isArray()) {
      throw new ValidationException(path(key), "Must be a list of strings; got " + describe(v)
          + ".");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isTextual()) {
        throw new ValidationException(path(key) + "[" + i + "]", "Must be a string; got "
            + describe(e) + ".");
      }
      out.add(e.textValue());
    }
    return out;
  }

  /** A nested object (empty when absent). */
  public Fields object(String key) {
    return Fields.of(get(key), path(key));
  }

  /** A list of objects (empty when absent). */
  public List<Fields> objects(String key) {
    JsonNode v = get(key);
    List<Fields> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!v.isArray()) {
      throw new ValidationException(path(key), "Must be a list; got " + describe(v) + ".");
    }
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isObject()) {
        throw new ValidationException(path(key) + "[" + i + "]", "Must be a mapping (object); got "
            + describe(e) + ".");
      }
      out.add(new Fields(e, path(key) + "[" + i + "]"));
    }
    return out;
  }

  /** Refuses the first key that no read asked for. */
  public void finish() {
    if (node == null || !node.isObject()) {
      return;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        throw new ValidationException(path(key), "Unknown key; known keys here: "
            + String.join(", ", known) + ".");
      }
    }
  }

  private static String display(String path) {
    return path.isEmpty() ? "(document)" : path;
  }

  static String describe(JsonNode v) {
    JsonNodeType t = v.getNodeType();
    return switch (t) {
      case ARRAY -> "a list";
      case OBJECT -> "a mapping";
      case STRING -> "the string '" + v.textValue() + "'";
      case BOOLEAN -> v.booleanValue() ? "true" : "false";
      case NUMBER -> "the number " + v.numberValue();
      default -> t.name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
