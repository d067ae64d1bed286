package dev.jwkscache.internal.http;

import java.util.List;

/** Read access to response header lines: every value of a (lower-case) name, in wire order. */
@FunctionalInterface
public interface HeaderLookup {
  /** All field lines with this name, in order; empty when absent. Never null. */
  List<String> values(String lowerCaseName);

  /** The first value, or null. */
  default String first(String lowerCaseName) {
    List<String> v = values(lowerCaseName);
    return v.isEmpty() ? null : v.get(0);
  }

  static HeaderLookup of(okhttp3.Headers headers) {
    return name -> headers.values(name);
  }
}
