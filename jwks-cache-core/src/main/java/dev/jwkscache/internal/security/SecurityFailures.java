package dev.jwkscache.internal.security;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Recognises, in an exception thrown by OkHttp, a refusal made by our own security hooks (a
 * refused address from the DNS or socket guard, an SPKI pin mismatch in the TLS handshake), so
 * the fetcher can report it as a security violation rather than a fetch failure.
 */
public final class SecurityFailures {
  private static final int MAX_VISITED = 64;

  private SecurityFailures() {
  }

  /**
   * A message describing the security refusal found in {@code failure} or its causes, or null when
   * the failure is not one of ours.
   *
   * <p>Causes and suppressed exceptions are both searched: OkHttp attaches the failures of the
   * other routes it tried (other addresses of the same name) as suppressed exceptions of the one
   * it throws. An expired, untrusted or wrong-host certificate is not ours (null): those are TLS
   * failures, reported before pins are looked at.
   */
  public static String describe(Throwable failure) {
    SecurityRefusal r = find(failure);
    return r == null ? null : r.refusalMessage();
  }

  /** The refusal itself, for callers that want its details. */
  public static SecurityRefusal find(Throwable failure) {
    if (failure == null) {
      return null;
    }
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Throwable> todo = new ArrayDeque<>();
    todo.add(failure);
    while (!todo.isEmpty() && seen.size() < MAX_VISITED) {
      Throwable t = todo.poll();
      if (!seen.add(t)) {
        continue;
      }
      if (t instanceof SecurityRefusal r) {
        return r;
      }
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      for (Throwable s : t.getSuppressed()) {
        todo.add(s);
      }
    }
    return null;
  }
}
