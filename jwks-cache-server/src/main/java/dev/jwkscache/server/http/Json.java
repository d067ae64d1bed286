package dev.jwkscache.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.ProviderState;
import dev.jwkscache.ProviderStatus;
import dev.jwkscache.RetryPolicy;
import dev.jwkscache.SpkiPin;
import dev.jwkscache.StatusMetric;
import dev.jwkscache.server.config.Durations;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.TreeMap;

/** The JSON shapes of the API (snake_case; absent values omitted), as in openapi.yaml. */
public final class Json {
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {
  }

  /** The seed's state names: Empty, Loading, Ready, Refreshing. */
  public static String state(ProviderState state) {
    String n = state.name();
    return n.charAt(0) + n.substring(1).toLowerCase(Locale.ROOT);
  }

  public static ObjectNode status(ProviderStatus s) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("tenant_id", s.tenantId());
    o.put("provider_id", s.providerId());
    o.put("state", state(s.state()));
    time(o, "last_refresh", s.lastRefresh());
    time(o, "next_refresh", s.nextRefresh());
    time(o, "expires_at", s.expiresAt());
    o.put("error_count", s.errorCount());
    o.put("hit_rate", s.hitRate());
    o.put("stale_serve_ratio", s.staleServeRatio());
    if (s.lastError() != null) {
      o.put("last_error", s.lastError());
    }
    ArrayNode metrics = o.putArray("metrics");
    for (StatusMetric m : s.metrics()) {
      ObjectNode mo = metrics.addObject();
      mo.put("name", m.name());
      mo.put("value", m.value());
      ObjectNode labels = mo.putObject("labels");
      new TreeMap<>(m.labels()).forEach(labels::put);
    }
    return o;
  }

  /** The settings in effect, every default filled in. */
  public static ObjectNode registration(ProviderRegistration r) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("tenant_id", r.tenantId());
    o.put("provider_id", r.providerId());
    o.put("jwks_url", r.jwksUrl().toString());
    o.put("require_https", r.requireHttps());
    ArrayNode domains = o.putArray("allowed_domains");
    r.allowedDomains().forEach(domains::add);
    duration(o, "refresh_early", r.refreshEarly());
    duration(o, "stale_while_error", r.staleWhileError());
    duration(o, "min_ttl", r.minTtl());
    duration(o, "max_ttl", r.maxTtl());
    o.put("max_response_bytes", r.maxResponseBytes());
    duration(o, "negative_cache_ttl", r.negativeCacheTtl());
    o.put("max_redirects", r.maxRedirects());
    ArrayNode pins = o.putArray("pinned_spki");
    for (SpkiPin p : r.pinnedSpki()) {
      pins.add(p.base64());
    }
    duration(o, "prefetch_jitter", r.prefetchJitter());
    duration(o, "unknown_kid_cooldown", r.unknownKidCooldown());
    RetryPolicy rp = r.retryPolicy();
    ObjectNode ro = o.putObject("retry_policy");
    ro.put("max_retries", rp.maxRetries());
    duration(ro, "attempt_timeout", rp.attemptTimeout());
    duration(ro, "initial_backoff", rp.initialBackoff());
    duration(ro, "max_backoff", rp.maxBackoff());
    duration(ro, "deadline", rp.deadline());
    ro.put("jitter", rp.jitter().name().toLowerCase(Locale.ROOT));
    return o;
  }

  public static byte[] bytes(Object node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void time(ObjectNode o, String name, Instant t) {
    if (t != null) {
      o.put(name, t.toString());
    }
  }

  private static void duration(ObjectNode o, String name, Duration d) {
    o.put(name, Durations.format(d));
  }
}
