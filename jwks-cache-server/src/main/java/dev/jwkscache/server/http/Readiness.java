package dev.jwkscache.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jwkscache.NotRegisteredException;
import dev.jwkscache.ProviderState;
import dev.jwkscache.ProviderStatus;
import dev.jwkscache.Registry;
import java.util.List;

/**
 * {@code /readyz}: ready once every configured pair has had a key set (loaded or restored);
 * then it stays ready, so one failing provider never takes the sidecar out of service for the
 * other tenants.
 */
public final class Readiness {
  /** A pair of the configuration file. */
  public record Pair(String tenantId, String providerId) {
  }

  private final Registry registry;
  private final List<Pair> configured;
  private volatile boolean ready;

  public Readiness(Registry registry, List<Pair> configured) {
    this.registry = registry;
    this.configured = List.copyOf(configured);
    this.ready = configured.isEmpty();
  }

  /** The /readyz body; computing it may flip the latch. */
  public ObjectNode body() {
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode waiting = Json.MAPPER.createArrayNode();
    if (!ready) {
      for (Pair p : configured) {
        ProviderState state;
        try {
          ProviderStatus s = registry.providerStatus(p.tenantId(), p.providerId());
          state = s.expiresAt() != null ? null : s.state();
        } catch (NotRegisteredException e) {
          continue; // removed through the admin API since: nothing to wait for
        }
        if (state != null) {
          ObjectNode w = waiting.addObject();
          w.put("tenant_id", p.tenantId());
          w.put("provider_id", p.providerId());
          w.put("state", Json.state(state));
        }
      }
      if (waiting.isEmpty()) {
        ready = true;
      }
    }
    o.put("status", ready ? "ready" : "not_ready");
    o.set("waiting_for", waiting);
    return o;
  }
}
