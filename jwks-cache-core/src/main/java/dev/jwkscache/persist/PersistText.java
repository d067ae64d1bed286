package dev.jwkscache.persist;

/** Message helpers: values from a store are untrusted, so they are quoted, escaped and cut short. */
final class PersistText {
  private static final int MAX_SHOWN = 80;

  private PersistText() {
  }

  /** {@code 'value'} with control and non-ASCII characters escaped, cut after 80 characters. */
  static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(Math.min(value.length(), MAX_SHOWN) + 8).append('\'');
    int n = Math.min(value.length(), MAX_SHOWN);
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
        b.append(c);
      } else {
        b.append(String.format("\\u%04x", (int) c));
      }
    }
    if (value.length() > MAX_SHOWN) {
      b.append("...(").append(value.length()).append(" chars)");
    }
    return b.append('\'').toString();
  }

  /** {@code tenant 't', provider 'p'}. */
  static String pair(String tenantId, String providerId) {
    return "tenant " + quote(tenantId) + ", provider " + quote(providerId);
  }
}
