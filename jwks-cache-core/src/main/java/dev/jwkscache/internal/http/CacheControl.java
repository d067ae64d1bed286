package dev.jwkscache.internal.http;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The directives of one or more Cache-Control (or Pragma) field lines, parsed leniently and
 * without ever throwing.
 *
 * <p>Grammar handled: comma-separated members {@code name [ "=" ( token / quoted-string ) ]},
 * empty members, optional whitespace anywhere between the parts (also around {@code =}, which
 * the RFC grammar does not allow but real servers send), commas inside quoted strings, and
 * directive names in any ASCII case. A quoted-string is not continued across field lines.
 *
 * <p>When a directive appears more than once, the first occurrence gives its argument (RFC 9111
 * section 4.2.1). A member whose argument is malformed (unterminated quote, text after the
 * closing quote, whitespace inside a token, a name followed by something other than {@code =})
 * still counts as present, with an argument that no numeric parse accepts; for {@code max-age}
 * that makes the response stale, which is what RFC 9111 encourages for invalid freshness data.
 */
final class CacheControl {
  /** RFC 9111 section 1.2.2: larger delta-seconds are read as this value. */
  static final long MAX_DELTA_SECONDS = 2_147_483_648L;
  /** {@link #deltaSeconds} result when the directive is absent. */
  static final long ABSENT = -2;
  /** {@link #deltaSeconds} result when the directive is present with an unusable argument. */
  static final long INVALID = -1;

  private record Argument(String value, boolean wellFormed) {
  }

  private static final Argument NONE = new Argument(null, true);

  private final boolean present;
  private final Map<String, Argument> first = new HashMap<>();
  private final Set<String> seenWithoutArgument = new HashSet<>();

  private CacheControl(List<String> lines) {
    this.present = lines != null && !lines.isEmpty();
    if (lines != null) {
      for (String line : lines) {
        if (line != null) {
          parseLine(line);
        }
      }
    }
  }

  /** Parses every field line; null or empty means the header was absent. */
  static CacheControl parse(List<String> lines) {
    return new CacheControl(lines);
  }

  /** True when at least one field line was given, even an empty one. */
  boolean present() {
    return present;
  }

  boolean has(String lowerCaseName) {
    return first.containsKey(lowerCaseName);
  }

  /**
   * True when the directive appeared at least once with no argument (or an empty one), e.g. a
   * plain {@code no-cache} as opposed to the field-qualified {@code no-cache="Set-Cookie"}.
   */
  boolean hasWithoutArgument(String lowerCaseName) {
    return seenWithoutArgument.contains(lowerCaseName);
  }

  /**
   * The first occurrence's argument as delta-seconds, capped at {@link #MAX_DELTA_SECONDS};
   * {@link #ABSENT} or {@link #INVALID} otherwise. Only ASCII digits are accepted (leading zeros
   * allowed); the quoted form {@code "60"} is accepted as RFC 9111 section 5.2 asks recipients to.
   */
  long deltaSeconds(String lowerCaseName) {
    Argument a = first.get(lowerCaseName);
    if (a == null) {
      return ABSENT;
    }
    return a.wellFormed() ? parseDeltaSeconds(a.value()) : INVALID;
  }

  /** Delta-seconds: one or more ASCII digits, capped; {@link #INVALID} for anything else. */
  static long parseDeltaSeconds(String text) {
    if (text == null || text.isEmpty()) {
      return INVALID;
    }
    long value = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return INVALID;
      }
      // Stop growing once past the cap so that no length of digits can overflow.
      if (value <= MAX_DELTA_SECONDS) {
        value = value * 10 + (c - '0');
      }
    }
    return Math.min(value, MAX_DELTA_SECONDS);
  }

  private void parseLine(String line) {
    int n = line.length();
    int i = 0;
    while (i < n) {
      char c = line.charAt(i);
      if (c == ',' || HttpDates.isOws(c)) {
        i++;
        continue;
      }
      int nameStart = i;
      while (i < n && !endsName(line.charAt(i))) {
        i++;
      }
      String name = asciiLower(line.substring(nameStart, i));
      if (name.isEmpty()) {
        // A member starting with '=' or '"': skip it whole.
        i = Math.max(i + 1, endOfMember(line, i));
        continue;
      }
      int j = skipOws(line, i);
      Argument argument;
      if (j < n && line.charAt(j) == '=') {
        int valueStart = skipOws(line, j + 1);
        int end = endOfMember(line, valueStart);
        argument = argument(HttpDates.trimOws(line.substring(valueStart, end)));
        i = end;
      } else if (j < n && line.charAt(j) != ',') {
        int end = endOfMember(line, j);
        argument = new Argument(line.substring(j, end), false);
        i = end;
      } else {
        argument = NONE;
        i = j;
      }
      first.putIfAbsent(name, argument);
      if (argument == NONE || (argument.wellFormed() && argument.value().isEmpty())) {
        seenWithoutArgument.add(name);
      }
    }
  }

  private static boolean endsName(char c) {
    return c == ',' || c == '=' || c == '"' || HttpDates.isOws(c);
  }

  /** A token, or the content of a quoted-string with its escapes resolved. */
  private static Argument argument(String raw) {
    if (raw.isEmpty() || raw.charAt(0) != '"') {
      for (int k = 0; k < raw.length(); k++) {
        char c = raw.charAt(k);
        if (c == '"' || HttpDates.isOws(c)) {
          return new Argument(raw, false);
        }
      }
      return new Argument(raw, true);
    }
    StringBuilder content = new StringBuilder(raw.length());
    int k = 1;
    while (k < raw.length()) {
      char c = raw.charAt(k);
      if (c == '\\' && k + 1 < raw.length()) {
        content.append(raw.charAt(k + 1));
        k += 2;
      } else if (c == '"') {
        // Closing quote: valid only when it ends the argument.
        return new Argument(content.toString(), k == raw.length() - 1);
      } else {
        content.append(c);
        k++;
      }
    }
    return new Argument(raw, false);
  }

  /** Index of the comma ending the member that starts at {@code from} (quote-aware), or n. */
  private static int endOfMember(String line, int from) {
    boolean quoted = false;
    int n = line.length();
    for (int k = from; k < n; k++) {
      char c = line.charAt(k);
      if (quoted) {
        if (c == '\\') {
          k++;
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        return k;
      }
    }
    return n;
  }

  private static int skipOws(String line, int from) {
    int k = from;
    while (k < line.length() && HttpDates.isOws(line.charAt(k))) {
      k++;
    }
    return k;
  }

  /** Lower-cases ASCII letters only, so that no non-ASCII name can fold into a known one. */
  static String asciiLower(String s) {
    char[] out = null;
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c >= 'A' && c <= 'Z') {
        if (out == null) {
          out = s.toCharArray();
        }
        out[k] = (char) (c + ('a' - 'A'));
      }
    }
    return out == null ? s : new String(out);
  }
}
