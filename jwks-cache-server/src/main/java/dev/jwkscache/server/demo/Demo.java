package dev.jwkscache.server.demo;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.jwkscache.JitterStrategy;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.ProviderState;
import dev.jwkscache.ProviderStatus;
import dev.jwkscache.Registry;
import dev.jwkscache.RetryPolicy;
import dev.jwkscache.metrics.MicrometerMetrics;
import dev.jwkscache.server.http.Json;
import dev.jwkscache.server.persist.Persistences;
import dev.jwkscache.server.persist.SnapshotPersistence;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.function.Predicate;

/**
 * The offline demo: a local HTTPS identity provider, three tenants, a JWT verified through the
 * cache, a key rotation found by the unknown-kid refresh, stale-while-error, statuses and
 * metrics, and a warm restart from snapshots. Every step checks what it shows; {@link #run()}
 * returns true only when all of them held.
 */
public final class Demo {
  private static final String ACME = "acme";
  private static final String GLOBEX = "globex";
  private static final String INITECH = "initech";

  private final PrintStream out;
  private final List<String> failures = new ArrayList<>();
  private int stepNumber;

  private final boolean keepSnapshots;

  public Demo(PrintStream out, boolean keepSnapshots) {
    this.out = out;
    this.keepSnapshots = keepSnapshots;
  }

  /** Runs every step; true when all of them worked. */
  public boolean run() throws Exception {
    long started = System.nanoTime();
    out.println("jwks-cache demo: offline, against a local HTTPS identity provider");
    out.println();
    Path snapshots = Files.createTempDirectory("jwks-cache-demo-");
    DemoTime time = new DemoTime();
    try (DemoIdp idp = new DemoIdp()) {
      RSAKey acmeKey1 = rsa("acme-2025-01");
      RSAKey acmeKey2 = rsa("acme-2025-02");
      ECKey globexKey = new ECKeyGenerator(Curve.P_256).keyID("globex-p256")
          .keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).generate();
      RSAKey initechKey = rsa("initech-1");
      DemoIdp.Endpoint acme = idp.add("/acme/jwks.json", List.of(acmeKey1.toPublicJWK()), 300);
      DemoIdp.Endpoint globex = idp.add("/globex/jwks.json", List.of(globexKey.toPublicJWK()),
          300);
      DemoIdp.Endpoint initech = idp.add("/initech/jwks.json", List.of(initechKey.toPublicJWK()),
          60);
      String pin = idp.leafPin();

      step("Local identity provider", () -> {
        out.println("   " + idp.url("/{tenant}/jwks.json") + " with a CA and a certificate made"
            + " just now");
        out.println("   server certificate SPKI pin (sha256): " + pin);
        return true;
      });

      PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      SnapshotPersistence persistence = Persistences.file(snapshots);
      Registry.Builder builder = Registry.builder()
          .trustManager(idp.trustManager())
          .addAllowedDomain("localhost")
          .clock(time)
          .scheduler(time)
          .listener(new MicrometerMetrics(meters));
      boolean persistenceReady = step("Snapshot store", () -> {
        persistence.configure(builder);
        out.println("   " + persistence.describe());
        return true;
      });
      Registry registry = builder.build();
      List<ProviderRegistration> registrations = List.of(
          registration(ACME, "okta", idp.url("/acme/jwks.json"), pin),
          registration(GLOBEX, "auth0", idp.url("/globex/jwks.json"), pin),
          registration(INITECH, "keycloak", idp.url("/initech/jwks.json"), pin));
      try {
        step("Register three tenants (https only, host allowlist, SPKI pinned)", () -> {
          for (ProviderRegistration r : registrations) {
            registry.register(r);
            out.printf("   %-8s %-9s %s%n", r.tenantId(), r.providerId(), r.jwksUrl());
          }
          return true;
        });

        step("Resolve each key set (first use fetches, then it is cached)", () -> {
          for (ProviderRegistration r : registrations) {
            JWKSet set = registry.resolve(r.tenantId(), r.providerId());
            out.printf("   %-8s %d key(s): %s%n", r.tenantId(), set.size(), kids(set));
          }
          registry.resolve(ACME, "okta");
          return acme.requests.get() == 1 && globex.requests.get() == 1
              && initech.requests.get() == 1;
        });

        step("Sign a JWT with acme's key, verify it through the cache", () -> {
          String token = sign(acmeKey1, "alice");
          JWTClaimsSet claims = verifier(registry, ACME, "okta").process(token, null);
          out.println("   token signed with kid " + acmeKey1.getKeyID() + ", verified: sub="
              + claims.getSubject() + ", iss=" + claims.getIssuer());
          return "alice".equals(claims.getSubject());
        });

        step("Rotate acme's key upstream; the unknown kid triggers one refresh", () -> {
          time.advance(Duration.ofSeconds(2)); // past acme's 1 s unknown-kid cooldown
          acme.keys = List.of(acmeKey1.toPublicJWK(), acmeKey2.toPublicJWK());
          int before = acme.requests.get();
          String token = sign(acmeKey2, "bob");
          JWTClaimsSet claims = verifier(registry, ACME, "okta").process(token, null);
          int fetches = acme.requests.get() - before;
          out.println("   new kid " + acmeKey2.getKeyID() + " verified: sub=" + claims.getSubject()
              + "; upstream fetches for it: " + fetches);
          return "bob".equals(claims.getSubject()) && fetches == 1;
        });

        step("initech's provider goes down; its set expires; stale-while-error serves it", () -> {
          initech.failStatus = 503;
          time.advance(Duration.ofSeconds(61)); // past initech's 60 s max-age
          awaitQuiet(registry);
          JWKSet stale = registry.resolve(INITECH, "keycloak");
          ProviderStatus s = registry.providerStatus(INITECH, "keycloak");
          out.println("   upstream answers 503; initech still resolves " + stale.size()
              + " key(s), expired at " + s.expiresAt() + ", errors " + s.errorCount()
              + ", stale serve ratio " + String.format("%.2f", s.staleServeRatio()));
          return stale.size() == 1 && s.expiresAt().isBefore(time.instant())
              && s.errorCount() >= 1 && s.staleServeRatio() > 0;
        });

        step("Statuses", () -> {
          printStatuses(registry.allStatuses(), time.instant());
          return registry.allStatuses().stream().allMatch(
              s -> s.state() == ProviderState.READY || s.state() == ProviderState.REFRESHING);
        });

        step("Key metrics (Prometheus names, as served on /metrics)", () -> {
          List<String> lines = meters.scrape().lines()
              .filter(l -> l.startsWith("jwks_cache_") && !l.contains("_bucket{"))
              .filter(l -> !l.startsWith("jwks_cache_refresh_duration_seconds_max"))
              .sorted().toList();
          lines.forEach(l -> out.println("   " + l));
          return lines.stream().anyMatch(l -> l.startsWith("jwks_cache_hits_total"))
              && lines.stream().anyMatch(l -> l.startsWith("jwks_cache_stale_total")
                  && l.contains("initech") && !l.endsWith(" 0.0"));
        });

        if (persistenceReady) {
          step("Persist snapshots", () -> {
            int written = persistence.persistAll(registry);
            long files;
            try (var list = Files.list(snapshots)) {
              files = list.filter(p -> !p.getFileName().toString().startsWith(".")).count();
            }
            out.println("   " + written + " snapshot(s) written to " + snapshots + " (" + files
                + " file(s)" + (keepSnapshots ? ", kept" : ", removed at the end; --keep-snapshots"
                + " keeps them") + ")");
            return written == 3 && files == 3;
          });
        }
      } finally {
        registry.close();
      }

      if (persistenceReady) {
        step("Restart warm from the snapshots, identity provider unreachable", () -> {
          idp.close();
          int before = acme.requests.get() + globex.requests.get() + initech.requests.get();
          SnapshotPersistence again = Persistences.file(snapshots);
          DemoTime later = new DemoTime(time.offsetMillis());
          Registry.Builder b2 = Registry.builder().trustManager(idp.trustManager())
              .addAllowedDomain("localhost").clock(later).scheduler(later);
          again.configure(b2);
          try (Registry warm = b2.build()) {
            for (ProviderRegistration r : registrations) {
              warm.register(r);
            }
            JWKSet acmeSet = warm.resolve(ACME, "okta");
            JWTClaimsSet claims = verifier(warm, ACME, "okta")
                .process(sign(acmeKey2, "carol"), null);
            int after = acme.requests.get() + globex.requests.get() + initech.requests.get();
            out.println("   acme restored with " + acmeSet.size() + " key(s) " + kids(acmeSet)
                + "; token for " + claims.getSubject() + " verified; upstream requests during"
                + " restart: " + (after - before));
            printStatuses(warm.allStatuses(), time.instant());
            return acmeSet.size() == 2 && after == before;
          }
        });
      }
    } finally {
      time.shutdown();
      if (!keepSnapshots) {
        deleteTree(snapshots);
      }
    }

    out.println();
    out.printf("Done in %.1f s: %d step(s), %s.%n", (System.nanoTime() - started) / 1e9,
        stepNumber, failures.isEmpty() ? "all worked" : failures.size() + " FAILED " + failures);
    out.println();
    out.println("Where to look next:");
    out.println("  - run the sidecar:  java -jar jwks-cache-server/target/jwks-cache-server.jar"
        + " serve --config examples/jwks-cache.yaml");
    out.println("  - its API:          curl http://127.0.0.1:8080/openapi.yaml ;"
        + " curl http://127.0.0.1:8080/v1/status");
    out.println("  - metrics:          curl http://127.0.0.1:8080/metrics | grep jwks_cache_");
    out.println("  - pin a provider:   java -jar jwks-cache-server/target/jwks-cache-server.jar"
        + " inspect https://YOUR-IDP/.well-known/jwks.json");
    out.println("  - the library:      README.md (Quick start), docs/DECISIONS.md");
    return failures.isEmpty();
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // a temporary directory; the OS cleans it eventually
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean run() throws Exception;
  }

  private boolean step(String title, Check check) {
    stepNumber++;
    out.println(stepNumber + ". " + title);
    boolean ok;
    try {
      ok = check.run();
      if (!ok) {
        out.println("   [FAILED] the result was not as expected");
      }
    } catch (Exception e) {
      ok = false;
      out.println("   [FAILED] " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    if (ok) {
      out.println("   [ok]");
    } else {
      failures.add(stepNumber + "");
    }
    return ok;
  }

  private static ProviderRegistration registration(String tenant, String provider, String url,
      String pin) {
    ProviderRegistration.Builder b = ProviderRegistration.builder(tenant, provider, url)
        .addPinnedSpki(pin)
        .unknownKidCooldown(Duration.ofSeconds(1))
        .prefetchJitter(Duration.ZERO)
        .retryPolicy(RetryPolicy.builder().maxRetries(0).attemptTimeout(Duration.ofSeconds(2))
            .deadline(Duration.ofSeconds(3)).jitter(JitterStrategy.NONE).build());
    if (tenant.equals(INITECH)) {
      b.staleWhileError(Duration.ofMinutes(10));
    }
    return b.build();
  }

  private static RSAKey rsa(String kid) throws Exception {
    return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE)
        .algorithm(JWSAlgorithm.RS256).generate();
  }

  private static String sign(JWK key, String subject) throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject)
        .issuer("https://localhost/acme").audience("demo-api")
        .issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(300))).build();
    SignedJWT jwt;
    if (key instanceof RSAKey rsa) {
      jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID())
          .type(JOSEObjectType.JWT).build(), claims);
      jwt.sign(new RSASSASigner(rsa));
    } else {
      ECKey ec = (ECKey) key;
      jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID())
          .type(JOSEObjectType.JWT).build(), claims);
      jwt.sign(new ECDSASigner(ec));
    }
    return jwt.serialize();
  }

  private static DefaultJWTProcessor<SecurityContext> verifier(Registry registry, String tenant,
      String provider) {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSKeySelector(registry.keySelector(tenant, provider));
    return p;
  }

  private static List<String> kids(JWKSet set) {
    return set.getKeys().stream().map(JWK::getKeyID).toList();
  }

  /** Waits (a few seconds at most) for background refreshes started by a time jump. */
  private static void awaitQuiet(Registry registry) throws InterruptedException {
    Predicate<ProviderStatus> busy = s -> s.state() == ProviderState.REFRESHING
        || s.state() == ProviderState.LOADING;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (registry.allStatuses().stream().anyMatch(busy) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private void printStatuses(List<ProviderStatus> statuses, Instant now) {
    List<ProviderStatus> sorted = new ArrayList<>(statuses);
    sorted.sort(Comparator.comparing(ProviderStatus::tenantId));
    out.printf("   %-8s %-9s %-10s %-12s %-6s %-8s %-11s%n", "tenant", "provider", "state",
        "expires in", "errors", "hit rate", "stale ratio");
    for (ProviderStatus s : sorted) {
      String expires = s.expiresAt() == null ? "-"
          : Duration.between(now, s.expiresAt()).toSeconds() + " s";
      out.printf("   %-8s %-9s %-10s %-12s %-6d %-8.2f %-11.2f%n", s.tenantId(), s.providerId(),
          Json.state(s.state()), expires, s.errorCount(), s.hitRate(), s.staleServeRatio());
    }
  }
}
