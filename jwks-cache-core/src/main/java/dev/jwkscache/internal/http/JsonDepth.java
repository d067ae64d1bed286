package dev.jwkscache.internal.http;

/**
 * A linear, allocation-free scan of a JSON text for its deepest nesting of arrays and objects.
 * It runs before the real parser so that a document like {@code [[[[...]]]]} is refused without
 * recursion: a recursive-descent parser would otherwise spend one stack frame per level.
 *
 * <p>The scan knows just enough JSON to skip brackets inside strings (with their escapes); it
 * does not validate anything else. That is the parser's job.
 */
final class JsonDepth {
  private JsonDepth() {
  }

  /**
   * True when no array or object in {@code json} is nested deeper than {@code limit} levels (the
   * top-level value counts as level 1). Stops scanning as soon as the limit is passed.
   */
  static boolean withinLimit(CharSequence json, int limit) {
    int depth = 0;
    boolean inString = false;
    boolean escaped = false;
    for (int i = 0, n = json.length(); i < n; i++) {
      char c = json.charAt(i);
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
        continue;
      }
      switch (c) {
        case '"' -> inString = true;
        case '[', '{' -> {
          if (++depth > limit) {
            return false;
          }
        }
        case ']', '}' -> depth = Math.max(0, depth - 1);
        default -> {
          // other tokens do not change the depth
        }
      }
    }
    return true;
  }
}
