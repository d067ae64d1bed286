package dev.jwkscache.bench;

import com.auth0.jwk.JwkProvider;
import com.auth0.jwk.JwkProviderBuilder;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A cache implementation under test: makes one {@link KeyLookup} per JWKS URL. Creating a lookup
 * fetches nothing; the first lookup does (cold), except for the baseline, which is not a cache
 * (see {@link #baseline}).
 */
public abstract class Contender implements AutoCloseable {
  private final String name;

  protected Contender(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /**
   * A lookup for one pair. {@code pair} names it (letters, digits, '-'; unique per contender),
   * {@code url} is its JWKS endpoint.
   */
  public abstract KeyLookup create(String pair, String url);

  @Override
  public void close() {
  }

  @Override
  public String toString() {
    return name;
  }

  // ------------------------------------------------------------------ ours

  /**
   * Ours: one {@link Registry} holding every pair (tenant = pair, provider "idp"); lookups are
   * {@code registry.resolveKey} and {@code registry.resolvePublicKey}.
   */
  public static Contender ours(String name, Registry registry,
      UnaryOperator<ProviderRegistration.Builder> registration) {
    return new Ours(name, registry, registration);
  }

  public static Contender ours(Registry registry) {
    return ours("ours", registry, b -> b);
  }

  /** Ours, exposed so scenarios can reach the registry. */
  public static final class Ours extends Contender {
    private final Registry registry;
    private final UnaryOperator<ProviderRegistration.Builder> registration;

    Ours(String name, Registry registry, UnaryOperator<ProviderRegistration.Builder> registration) {
      super(name);
      this.registry = registry;
      this.registration = registration;
    }

    public Registry registry() {
      return registry;
    }

    @Override
    public KeyLookup create(String pair, String url) {
      registry.register(registration.apply(ProviderRegistration.builder(pair, "idp", url)).build());
      return new KeyLookup() {
        @Override
        public Object jwk(String kid) {
          return registry.resolveKey(pair, "idp", kid);
        }

        @Override
        public PublicKey publicKey(String kid) {
          return registry.resolvePublicKey(pair, "idp", kid);
        }
      };
    }

    @Override
    public void close() {
      registry.close();
    }
  }

  // ------------------------------------------------------------------ Nimbus

  /** Nimbus {@code JWKSourceBuilder.create(url)} with its defaults. */
  public static Contender nimbusDefaults() {
    return nimbus("nimbus-defaults", b -> b);
  }

  /** Nimbus with {@code .refreshAheadCache(true).outageTolerant(true)}, otherwise defaults. */
  public static Contender nimbusTolerant() {
    return nimbus("nimbus-tolerant", b -> b.refreshAheadCache(true).outageTolerant(true));
  }

  /**
   * Nimbus: a {@code JWKSource} per URL; a key is selected with a kid matcher (a new selector per
   * call, as {@code JWSVerificationKeySelector} does per token), and the PublicKey is converted
   * with {@code ((RSAKey) jwk).toPublicKey()} on every call, which is what Nimbus users pay.
   */
  public static Contender nimbus(String name,
      UnaryOperator<JWKSourceBuilder<SecurityContext>> config) {
    return new Contender(name) {
      @Override
      public KeyLookup create(String pair, String url) {
        JWKSource<SecurityContext> source = config.apply(JWKSourceBuilder.create(toUrl(url)))
            .build();
        return new KeyLookup() {
          @Override
          public Object jwk(String kid) throws Exception {
            List<JWK> found = source.get(
                new JWKSelector(new JWKMatcher.Builder().keyID(kid).build()), null);
            return found.isEmpty() ? null : found.get(0);
          }

          @Override
          public PublicKey publicKey(String kid) throws Exception {
            JWK jwk = (JWK) jwk(kid);
            return jwk == null ? null : ((RSAKey) jwk).toPublicKey();
          }
        };
      }
    };
  }

  // ------------------------------------------------------------------ Auth0

  /** Auth0 jwks-rsa with {@code .cached(true).rateLimited(true)}: its defaults. */
  public static Contender auth0Defaults() {
    return auth0("auth0", b -> b.cached(true).rateLimited(true));
  }

  /**
   * Auth0 jwks-rsa: {@code new JwkProviderBuilder(url)...build()} per URL; lookups are
   * {@code provider.get(kid)} and {@code provider.get(kid).getPublicKey()} (converted per call).
   */
  public static Contender auth0(String name, UnaryOperator<JwkProviderBuilder> config) {
    return new Contender(name) {
      @Override
      public KeyLookup create(String pair, String url) {
        JwkProvider provider = config.apply(new JwkProviderBuilder(toUrl(url))).build();
        return new KeyLookup() {
          @Override
          public Object jwk(String kid) throws Exception {
            return provider.get(kid);
          }

          @Override
          public PublicKey publicKey(String kid) throws Exception {
            return provider.get(kid).getPublicKey();
          }
        };
      }
    };
  }

  // ------------------------------------------------------------------ baseline

  /**
   * The baseline is not a cache: it is the cheapest structure a hand-written cache could use,
   * a {@link ConcurrentHashMap} of holders, each with a volatile immutable (kid, JWK, PublicKey)
   * array and an expiry checked with {@code System.currentTimeMillis()}, scanned on lookup. It
   * has no loader: {@code create} parses the document it is given (by {@code bodyOf}) at once.
   */
  public static Baseline baseline(Function<String, byte[]> bodyOf, boolean keepPublicKeys) {
    return new Baseline(bodyOf, keepPublicKeys);
  }

  /** See {@link #baseline}. */
  public static final class Baseline extends Contender {
    private final ConcurrentHashMap<String, Holder> holders = new ConcurrentHashMap<>();
    private final Function<String, byte[]> bodyOf;
    private final boolean keepPublicKeys;

    Baseline(Function<String, byte[]> bodyOf, boolean keepPublicKeys) {
      super(keepPublicKeys ? "baseline" : "baseline-jwk-only");
      this.bodyOf = bodyOf;
      this.keepPublicKeys = keepPublicKeys;
    }

    /** The per-pair holder. */
    static final class Holder {
      volatile Entry[] keys;
      volatile long expiresAt;
    }

    record Entry(String kid, JWK jwk, PublicKey key) {
    }

    @Override
    public KeyLookup create(String pair, String url) {
      Holder h = new Holder();
      try {
        JWKSet set = JWKSet.parse(new String(bodyOf.apply(url), StandardCharsets.UTF_8));
        Entry[] entries = new Entry[set.getKeys().size()];
        int i = 0;
        for (JWK k : set.getKeys()) {
          entries[i++] = new Entry(k.getKeyID(), k,
              keepPublicKeys ? ((RSAKey) k).toPublicKey() : null);
        }
        h.keys = entries;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      h.expiresAt = System.currentTimeMillis() + 3_600_000;
      holders.put(pair, h);
      return new KeyLookup() {
        @Override
        public Object jwk(String kid) {
          Entry e = find(pair, kid);
          return e == null ? null : e.jwk();
        }

        @Override
        public PublicKey publicKey(String kid) {
          Entry e = find(pair, kid);
          return e == null ? null : e.key();
        }
      };
    }

    private Entry find(String pair, String kid) {
      Holder h = holders.get(pair);
      if (h == null || System.currentTimeMillis() >= h.expiresAt) {
        return null;
      }
      for (Entry e : h.keys) {
        if (kid.equals(e.kid())) {
          return e;
        }
      }
      return null;
    }
  }

  static URL toUrl(String url) {
    try {
      return URI.create(url).toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException(url, e);
    }
  }
}
