package dev.jwkscache.internal.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/** Host canonicalisation and allowlist matching; every host check goes through here. */
public final class HostNames {
  private HostNames() {
  }

  /**
   * The canonical form of a DNS name or address literal: trimmed, lower-case, one trailing dot
   * removed, IPv6 brackets kept. Returns null when nothing usable is left or the name holds a
   * character no host name can hold.
   */
  public static String canonicalize(String host) {
    if (host == null) {
      return null;
    }
    String h = trimWhitespace(host).toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    // A second trailing dot ("example.com..") is an empty label, not another absolute marker.
    if (h.isEmpty() || h.startsWith(".") || h.endsWith(".") || h.contains("..")) {
      return null;
    }
    for (int i = 0; i < h.length(); i++) {
      char c = h.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
          || c == '_' || c == ':' || c == '[' || c == ']';
      if (!ok) {
        return null;
      }
    }
    return h;
  }

  /**
   * Strips spaces, tabs and line breaks only. String.trim() would also drop other control
   * characters such as NUL, silently turning "example.com\0" into a valid host.
   */
  private static String trimWhitespace(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isWhitespace(s.charAt(start))) {
      start++;
    }
    while (end > start && isWhitespace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  /** Canonicalises and de-duplicates an allowlist, keeping first-seen order. */
  public static List<String> canonicalizeAll(Collection<String> domains, String field) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String d : domains) {
      String c = canonicalize(d);
      if (c == null) {
        throw new dev.jwkscache.ValidationException(field,
            "Entries must be non-empty host names (letters, digits, '-', '.'); got '" + d + "'.");
      }
      out.add(c);
    }
    return List.copyOf(new ArrayList<>(out));
  }

  /**
   * True when the allowlist is empty, or the canonical host equals an entry or is a subdomain of
   * one. {@code allowlist} must already be canonical.
   */
  public static boolean isAllowed(String host, List<String> allowlist) {
    if (allowlist.isEmpty()) {
      return true;
    }
    String h = canonicalize(host);
    if (h == null) {
      return false;
    }
    for (String entry : allowlist) {
      if (h.equals(entry)
          || (h.length() > entry.length() + 1 && h.endsWith(entry)
              && h.charAt(h.length() - entry.length() - 1) == '.')) {
        return true;
      }
    }
    return false;
  }
}
