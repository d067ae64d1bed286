package dev.jwkscache.internal.http;

/**
 * A linear, allocation-free scan of a JSON text for its deepest nesting of arrays and objects and
 * for how many values it holds. It runs before the real parser so that a document like
 * {@code [[[[...]]]]} is refused without recursion (a recursive-descent parser would otherwise
 * spend one stack frame per level), and a document of millions of tiny values ({@code [{},{},...]})
 * is refused before the parser builds a tree of millions of objects.
 *
 * <p>The scan knows just enough JSON to skip brackets and commas inside strings (with their
 * escapes); it does not validate anything else. That is the parser's job.
 */
final class JsonDepth {
  /** What a scan found. */
  enum Shape { OK, TOO_DEEP, TOO_MANY_VALUES }

  private JsonDepth() {
  }

  /**
   * Checks nesting ({@code maxDepth} levels, the top-level value being level 1) and size: the
   * number of values, counted as opening brackets plus commas outside strings (every value but
   * the first of a container follows a comma, and every container opens with a bracket), must not
   * pass {@code maxValues}. Stops as soon as either limit is passed.
   */
  static Shape scan(CharSequence json, int maxDepth, long maxValues) {
    int depth = 0;
    long values = 0;
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
          if (++depth > maxDepth) {
            return Shape.TOO_DEEP;
          }
          if (++values > maxValues) {
            return Shape.TOO_MANY_VALUES;
          }
        }
        case ',' -> {
          if (++values > maxValues) {
            return Shape.TOO_MANY_VALUES;
          }
        }
        case ']', '}' -> depth = Math.max(0, depth - 1);
        default -> {
          // other tokens do not change the depth
        }
      }
    }
    return Shape.OK;
  }
}
