package dev.jwkscache.internal.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.ProviderState;
import dev.jwkscache.internal.http.CachedHeaders;
import dev.jwkscache.internal.http.JwksParser;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The history checker itself: it must accept a legal history and catch illegal ones. */
class TransitionRecorderTest {
  private final ProviderCache cache = new ProviderCache(ProviderRegistration.builder("t", "p",
      "https://idp.example/jwks").build(), new EngineContext(null, null, null, null, null, null,
      null));

  private static Payload payload(long expiresAt, long staleUntil, int errors) {
    return new Payload(JwksParser.parse("{\"keys\":[]}", "x"), CachedHeaders.NONE, 0, expiresAt,
        expiresAt - 10, staleUntil, errors, 0, null);
  }

  private List<String> check(Object... steps) {
    try (TransitionRecorder r = TransitionRecorder.install()) {
      for (int i = 0; i < steps.length; i += 4) {
        r.onTransition(cache, (CacheState) steps[i], (CacheState) steps[i + 1],
            (Long) steps[i + 2], (String) steps[i + 3]);
      }
      return r.violations();
    }
  }

  @Test
  void aLegalLifeIsAccepted() {
    CompletableFuture<Payload> f1 = new CompletableFuture<>();
    CompletableFuture<Payload> f2 = new CompletableFuture<>();
    CacheState loading = CacheState.loading(f1);
    Payload p = payload(100, 160, 0);
    CacheState ready = CacheState.ready(p, true);
    CacheState refreshing = CacheState.refreshing(p, true, f2, 0);
    CacheState kept = CacheState.ready(p.failed(120, new RuntimeException()), true);
    CacheState expired = kept.expired();
    assertThat(check(
        CacheState.EMPTY, loading, 0L, "fetch-start",
        loading, ready, 1L, "fetch-success",
        ready, refreshing, 90L, "fetch-start",
        refreshing, kept, 91L, "fetch-failure-kept",
        kept, expired, 100L, "expired",
        expired, CacheState.EMPTY, 160L, "stale-window-over",
        CacheState.EMPTY, CacheState.CLOSED, 0L, "closed")).isEmpty();
  }

  @Test
  void illegalStepsAreCaught() {
    CompletableFuture<Payload> f = new CompletableFuture<>();
    Payload p = payload(100, 160, 0);
    CacheState ready = CacheState.ready(p, true);
    CacheState refreshing = CacheState.refreshing(p, true, f, 0);
    // dropped inside its stale window
    assertThat(check(CacheState.EMPTY, ready, 0L, "restore",
        ready, refreshing, 110L, "fetch-start",
        refreshing, CacheState.EMPTY, 150L, "fetch-failure-dropped"))
        .singleElement().asString().contains("inside its stale window");
    // a lost update: the second step does not start where the first ended
    assertThat(check(CacheState.EMPTY, ready, 0L, "restore",
        CacheState.EMPTY, CacheState.loading(f), 1L, "fetch-start"))
        .singleElement().asString().contains("lost update");
    // a second fetch while one is in flight
    assertThat(check(CacheState.EMPTY, ready, 0L, "restore",
        ready, refreshing, 110L, "fetch-start",
        refreshing, CacheState.refreshing(p, true, f, 0), 111L, "fetch-start"))
        .singleElement().asString().contains("second fetch");
    // expired early, and anything after close
    CacheState early = ready.expired();
    assertThat(check(CacheState.EMPTY, ready, 0L, "restore",
        ready, early, 50L, "expired",
        early, CacheState.CLOSED, 0L, "closed",
        CacheState.CLOSED, CacheState.loading(f), 60L, "fetch-start")).hasSize(2);
  }

  @Test
  void readersMustSeeASubsequence() {
    List<ProviderState> history = List.of(ProviderState.EMPTY, ProviderState.LOADING,
        ProviderState.READY, ProviderState.REFRESHING, ProviderState.READY, ProviderState.EMPTY);
    assertThat(TransitionRecorder.isSubsequence(List.of(ProviderState.EMPTY,
        ProviderState.READY, ProviderState.EMPTY), history)).isTrue();
    assertThat(TransitionRecorder.isSubsequence(List.of(ProviderState.READY,
        ProviderState.LOADING), history)).isFalse();
  }
}
