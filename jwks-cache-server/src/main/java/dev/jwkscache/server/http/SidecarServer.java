package dev.jwkscache.server.http;

import dev.jwkscache.JwksCacheException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import dev.jwkscache.ValidationException;
import dev.jwkscache.metrics.MicrometerMetrics;
import dev.jwkscache.server.config.ConfigException;
import dev.jwkscache.server.config.ServerConfig;
import dev.jwkscache.server.persist.Persistences;
import dev.jwkscache.server.persist.SnapshotPersistence;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar: a registry built from the configuration, its Prometheus meters, and the HTTP API
 * on Jetty. {@link #stop()} stops accepting, lets running requests finish, writes every snapshot
 * and closes the registry.
 */
public final class SidecarServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SidecarServer.class);
  /** How long running requests may take to finish at shutdown. */
  static final long STOP_TIMEOUT_MS = 5_000;

  private final Server jetty;
  private final ServerConnector connector;
  private final Registry registry;
  private final SnapshotPersistence persistence;
  private final PrometheusMeterRegistry prometheus;
  private final JvmGcMetrics gcMetrics;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private SidecarServer(Server jetty, ServerConnector connector, Registry registry,
      SnapshotPersistence persistence, PrometheusMeterRegistry prometheus,
      JvmGcMetrics gcMetrics) {
    this.jetty = jetty;
    this.connector = connector;
    this.registry = registry;
    this.persistence = persistence;
    this.prometheus = prometheus;
    this.gcMetrics = gcMetrics;
  }

  /** Starts with the JVM's trust anchors for upstream TLS. */
  public static SidecarServer start(ServerConfig config) {
    return start(config, null);
  }

  /**
   * Builds the registry, registers the configured pairs (a pair the registry refuses is a
   * {@link ConfigException} naming its entry), starts their first fetches in the background and
   * starts serving.
   *
   * @param trustManager trust anchors for upstream TLS, or null for the JVM's
   */
  public static SidecarServer start(ServerConfig config, X509TrustManager trustManager) {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(prometheus);
    new JvmThreadMetrics().bindTo(prometheus);
    new ClassLoaderMetrics().bindTo(prometheus);
    new ProcessorMetrics().bindTo(prometheus);
    new UptimeMetrics().bindTo(prometheus);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(prometheus);

    ServerConfig.RegistrySettings rs = config.registry();
    Registry.Builder builder = Registry.builder()
        .requireHttps(rs.requireHttps())
        .allowedDomains(rs.allowedDomains())
        .refusePrivateAddresses(rs.refusePrivateAddresses())
        .listener(new MicrometerMetrics(prometheus));
    if (rs.defaultRefreshEarly() != null) {
      builder.defaultRefreshEarly(rs.defaultRefreshEarly());
    }
    if (rs.defaultStaleWhileError() != null) {
      builder.defaultStaleWhileError(rs.defaultStaleWhileError());
    }
    if (trustManager != null) {
      builder.trustManager(trustManager);
    }
    SnapshotPersistence persistence;
    try {
      persistence = Persistences.from(config.persistence());
    } catch (JwksCacheException e) {
      gc.close();
      throw new ConfigException(config.persistence().usesRedis() ? "persistence.redis"
          : "persistence.file", e.getMessage());
    }
    persistence.configure(builder);
    Registry registry = builder.build();

    List<Readiness.Pair> pairs = new ArrayList<>();
    try {
      List<ProviderRegistration> providers = config.providers();
      for (int i = 0; i < providers.size(); i++) {
        ProviderRegistration p = providers.get(i);
        try {
          registry.register(p);
        } catch (JwksCacheException e) {
          String field = e instanceof ValidationException v ? v.field() : "jwks_url";
          throw new ConfigException("providers[" + i + "]." + field, e.getMessage());
        }
        pairs.add(new Readiness.Pair(p.tenantId(), p.providerId()));
      }
    } catch (RuntimeException e) {
      registry.close();
      gc.close();
      throw e;
    }

    QueuedThreadPool threads = new QueuedThreadPool(64, 4);
    threads.setName("jwks-http");
    threads.setDaemon(false);
    Server jetty = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    // A kid may hold an encoded '/': the router decodes each segment on its own.
    http.setUriCompliance(UriCompliance.DEFAULT.with("kid segments",
        UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
    ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
    connector.setHost(config.server().host());
    connector.setPort(config.server().port());
    jetty.addConnector(connector);
    ApiHandler api = new ApiHandler(registry, new AdminAuth(config.server().adminToken()),
        new Readiness(registry, pairs), prometheus, persistence, Clock.systemUTC());
    jetty.setHandler(new GracefulHandler(api));
    jetty.setStopTimeout(STOP_TIMEOUT_MS);
    jetty.setStopAtShutdown(false);
    SidecarServer server = new SidecarServer(jetty, connector, registry, persistence, prometheus,
        gc);
    try {
      jetty.start();
    } catch (Exception e) {
      server.stop();
      throw new IllegalStateException("Cannot listen on " + config.server().host() + ":"
          + config.server().port() + ": " + e.getMessage(), e);
    }
    log.info("Listening on http://{}:{} ({} provider(s), admin {}, persistence {})",
        config.server().host(), server.port(), pairs.size(),
        config.server().adminToken() == null ? "disabled" : "enabled", persistence.describe());
    warmUp(registry, pairs);
    return server;
  }

  /** First fetch of every configured pair that has no set yet (restored ones wait for use). */
  private static void warmUp(Registry registry, List<Readiness.Pair> pairs) {
    for (Readiness.Pair p : pairs) {
      if (registry.providerStatus(p.tenantId(), p.providerId()).expiresAt() != null) {
        continue;
      }
      registry.refresh(p.tenantId(), p.providerId()).whenComplete((set, error) -> {
        if (error != null) {
          Throwable cause = error.getCause() != null ? error.getCause() : error;
          log.warn("First fetch for {}/{} failed: {}", p.tenantId(), p.providerId(),
              cause.getMessage());
        } else {
          log.info("Loaded {}/{}: {} key(s)", p.tenantId(), p.providerId(), set.size());
        }
      });
    }
  }

  /** The port listened on (the real one when the configuration asked for 0). */
  public int port() {
    return connector.getLocalPort();
  }

  public URI baseUri() {
    String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
  }

  public Registry registry() {
    return registry;
  }

  public PrometheusMeterRegistry meters() {
    return prometheus;
  }

  /**
   * Stops accepting connections, lets running requests finish (up to 5 s), writes every
   * snapshot and closes the registry. Idempotent.
   */
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    try {
      jetty.stop();
    } catch (Exception e) {
      log.warn("HTTP server stop: {}", e.toString());
    }
    try {
      int written = persistence.persistAll(registry);
      log.info("Shutdown: {} snapshot(s) written ({})", written, persistence.describe());
    } catch (RuntimeException e) {
      log.error("Shutdown: writing snapshots failed: {}", e.getMessage());
    }
    registry.close(); // closes the snapshot store too
    gcMetrics.close();
    prometheus.close();
  }

  @Override
  public void close() {
    stop();
  }
}
