package dev.jwkscache.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.NotRegisteredException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.ProviderStatus;
import dev.jwkscache.Registry;
import dev.jwkscache.ValidationException;
import dev.jwkscache.server.config.Fields;
import dev.jwkscache.server.config.RegistrationReader;
import dev.jwkscache.server.persist.SnapshotPersistence;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP API of openapi.yaml on Jetty's core handler API: routing, admin auth, problem answers
 * and the per-request timer.
 */
public final class ApiHandler extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
  private static final Logger audit = LoggerFactory.getLogger("dev.jwkscache.server.admin");
  static final int MAX_BODY_BYTES = 64 * 1024;
  private static final String JSON = "application/json";
  private static final ObjectReader BODY_READER = Json.MAPPER.reader()
      .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final Registry registry;
  private final AdminAuth admin;
  private final Readiness readiness;
  private final PrometheusMeterRegistry prometheus;
  private final SnapshotPersistence persistence;
  private final Clock clock;
  private final byte[] openApi;
  /** The serialised set per pair, remembered while the registry hands out the same set object. */
  private final Map<String, Rendered> rendered = new ConcurrentHashMap<>();

  private record Rendered(JWKSet set, byte[] body, String etag) {
  }

  /** What to answer. */
  private record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
    static Reply json(int status, Object node) {
      return new Reply(status, JSON, Json.bytes(node), new LinkedHashMap<>());
    }

    static Reply empty(int status) {
      return new Reply(status, null, null, new LinkedHashMap<>());
    }

    static Reply problem(Problem p) {
      return new Reply(p.status(), Problem.MEDIA_TYPE, Json.bytes(p.body()),
          new LinkedHashMap<>(p.headers()));
    }

    Reply header(String name, String value) {
      headers.put(name, value);
      return this;
    }
  }

  public ApiHandler(Registry registry, AdminAuth admin, Readiness readiness,
      PrometheusMeterRegistry prometheus, SnapshotPersistence persistence, Clock clock) {
    this.registry = registry;
    this.admin = admin;
    this.readiness = readiness;
    this.prometheus = prometheus;
    this.persistence = persistence;
    this.clock = clock;
    try (InputStream in = ApiHandler.class.getResourceAsStream("/openapi.yaml")) {
      this.openApi = Objects.requireNonNull(in, "openapi.yaml on the class path").readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read openapi.yaml", e);
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = System.nanoTime();
    String method = request.getMethod();
    String rawPath = request.getHttpURI().getPath();
    List<String> seg = segments(rawPath);
    String route = routeOf(seg);
    Reply reply;
    try {
      reply = dispatch(method, route, seg, request);
    } catch (RouteException e) {
      reply = Reply.problem(e.problem.instance(rawPath));
    } catch (JwksCacheException e) {
      reply = Reply.problem(Problems.from(e, false, retryAfter(seg)).instance(rawPath));
    } catch (RuntimeException e) {
      log.error("Unexpected error answering {} {}", method, rawPath, e);
      reply = Reply.problem(Problem.of(500, "internal", "Unexpected error",
          "See the server log.").instance(rawPath));
    } finally {
      MDC.remove("tenant");
      MDC.remove("provider");
    }
    if (reply.status() >= 500 && !route.equals("/readyz")) {
      log.warn("{} {} -> {}", method, rawPath, reply.status());
    } else if (log.isDebugEnabled()) {
      log.debug("{} {} -> {}", method, rawPath, reply.status());
    }
    write(response, reply, callback);
    Timer.builder("http.server.requests").description("HTTP requests answered by the sidecar")
        .tags("method", method, "uri", route, "status", Integer.toString(reply.status()))
        .register(prometheus).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    return true;
  }

  private static void write(Response response, Reply reply, Callback callback) {
    response.setStatus(reply.status());
    reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
    if (reply.body() == null) {
      response.write(true, null, callback);
      return;
    }
    response.getHeaders().put("Content-Type", reply.contentType().startsWith("text/")
        || reply.contentType().endsWith("json") || reply.contentType().endsWith("yaml")
        ? reply.contentType() + "; charset=utf-8" : reply.contentType());
    response.getHeaders().put("Content-Length", Integer.toString(reply.body().length));
    response.write(true, ByteBuffer.wrap(reply.body()), callback);
  }

  // ------------------------------------------------------------------------------ routing

  /** The route template, used as the metrics tag and to pick the operation. */
  private static String routeOf(List<String> s) {
    int n = s.size();
    if (n == 1) {
      return switch (s.get(0)) {
        case "openapi.yaml", "metrics", "healthz", "readyz" -> "/" + s.get(0);
        default -> "unknown";
      };
    }
    if (n == 2 && s.get(0).equals("v1") && s.get(1).equals("status")) {
      return "/v1/status";
    }
    if (n >= 5 && s.get(0).equals("v1") && s.get(1).equals("tenants")
        && s.get(3).equals("providers") && !s.get(2).isEmpty() && !s.get(4).isEmpty()) {
      String base = "/v1/tenants/{tenant}/providers/{provider}";
      if (n == 5) {
        return base;
      }
      if (n == 6) {
        return switch (s.get(5)) {
          case "jwks", "status", "refresh" -> base + "/" + s.get(5);
          default -> "unknown";
        };
      }
      if (n == 7 && s.get(5).equals("keys") && !s.get(6).isEmpty()) {
        return base + "/keys/{kid}";
      }
    }
    return "unknown";
  }

  private Reply dispatch(String method, String route, List<String> s, Request request) {
    String tenant = s.size() >= 5 ? s.get(2) : null;
    String provider = s.size() >= 5 ? s.get(4) : null;
    if (tenant != null && !route.equals("unknown")) {
      MDC.put("tenant", tenant);
      MDC.put("provider", provider);
    }
    switch (route) {
      case "/openapi.yaml":
        requireMethod(method, "GET");
        return new Reply(200, "application/yaml", openApi, new LinkedHashMap<>());
      case "/metrics":
        requireMethod(method, "GET");
        return new Reply(200, "text/plain; version=0.0.4",
            prometheus.scrape().getBytes(StandardCharsets.UTF_8), new LinkedHashMap<>());
      case "/healthz":
        requireMethod(method, "GET");
        return Reply.json(200, Json.MAPPER.createObjectNode().put("status", "ok"));
      case "/readyz": {
        requireMethod(method, "GET");
        ObjectNode body = readiness.body();
        return Reply.json(body.get("status").asText().equals("ready") ? 200 : 503, body);
      }
      case "/v1/status":
        requireMethod(method, "GET");
        return allStatuses();
      case "/v1/tenants/{tenant}/providers/{provider}/jwks":
        requireMethod(method, "GET");
        return jwks(tenant, provider, request.getHeaders().get("If-None-Match"));
      case "/v1/tenants/{tenant}/providers/{provider}/keys/{kid}":
        requireMethod(method, "GET");
        return key(tenant, provider, s.get(6));
      case "/v1/tenants/{tenant}/providers/{provider}/status":
        requireMethod(method, "GET");
        return Reply.json(200, Json.status(registry.providerStatus(tenant, provider)));
      case "/v1/tenants/{tenant}/providers/{provider}": {
        requireMethod(method, "PUT", "DELETE");
        Problem denied = admin.check(request.getHeaders().get("Authorization"));
        if (denied != null) {
          return Reply.problem(denied.instance(request.getHttpURI().getPath()));
        }
        return method.equals("PUT") ? put(tenant, provider, request) : delete(tenant, provider);
      }
      case "/v1/tenants/{tenant}/providers/{provider}/refresh": {
        requireMethod(method, "POST");
        Problem denied = admin.check(request.getHeaders().get("Authorization"));
        if (denied != null) {
          return Reply.problem(denied.instance(request.getHttpURI().getPath()));
        }
        return refresh(tenant, provider);
      }
      default:
        throw new RouteException(Problem.of(404, "not-found", "No such resource",
            "See /openapi.yaml for the API."));
    }
  }

  /** Ends routing with a problem that is not a library error. */
  private static final class RouteException extends RuntimeException {
    final Problem problem;

    RouteException(Problem problem) {
      super(problem.type(), null, false, false);
      this.problem = problem;
    }
  }

  private static void requireMethod(String method, String... allowed) {
    for (String a : allowed) {
      if (a.equals(method)) {
        return;
      }
    }
    throw new RouteException(Problem.of(405, "method-not-allowed", "Method not allowed",
        method + " is not supported here; use " + String.join(" or ", allowed) + ".")
        .header("Allow", String.join(", ", allowed)));
  }

  // ------------------------------------------------------------------------------ reads

  private Reply allStatuses() {
    List<ProviderStatus> all = new ArrayList<>(registry.allStatuses());
    all.sort(Comparator.comparing(ProviderStatus::tenantId)
        .thenComparing(ProviderStatus::providerId));
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode list = body.putArray("providers");
    all.forEach(st -> list.add(Json.status(st)));
    return Reply.json(200, body);
  }

  private Reply jwks(String tenant, String provider, String ifNoneMatch) {
    JWKSet set = registry.resolve(tenant, provider);
    String key = tenant + '\u0000' + provider;
    Rendered r = rendered.get(key);
    if (r == null || r.set() != set) {
      byte[] body = set.toString(true).getBytes(StandardCharsets.UTF_8);
      r = new Rendered(set, body, '"' + digest(body) + '"');
      rendered.put(key, r);
    }
    String cacheControl = "max-age=" + secondsLeft(tenant, provider);
    if (ifNoneMatch != null && matches(ifNoneMatch, r.etag())) {
      return Reply.empty(304).header("ETag", r.etag()).header("Cache-Control", cacheControl);
    }
    return new Reply(200, "application/jwk-set+json", r.body(), new LinkedHashMap<>())
        .header("ETag", r.etag()).header("Cache-Control", cacheControl);
  }

  private Reply key(String tenant, String provider, String kid) {
    JWK jwk = registry.resolveKey(tenant, provider, kid);
    return new Reply(200, "application/jwk+json",
        jwk.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8), new LinkedHashMap<>())
        .header("Cache-Control", "max-age=" + secondsLeft(tenant, provider));
  }

  /** Whole seconds before the pair's cached set expires; 0 when stale or unknown. */
  private long secondsLeft(String tenant, String provider) {
    Instant expires = registry.providerStatus(tenant, provider).expiresAt();
    if (expires == null) {
      return 0;
    }
    long ms = Duration.between(clock.instant(), expires).toMillis();
    return Math.max(0, ms / 1000);
  }

  /** RFC 9110 If-None-Match: weak comparison against a list of entity tags, or "*". */
  static boolean matches(String ifNoneMatch, String etag) {
    String opaque = etag.startsWith("W/") ? etag.substring(2) : etag;
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.strip();
      if (c.equals("*")) {
        return true;
      }
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals(opaque)) {
        return true;
      }
    }
    return false;
  }

  private static String digest(byte[] body) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(body);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------------------ admin

  private Reply put(String tenant, String provider, Request request) {
    String type = request.getHeaders().get("Content-Type");
    if (type == null || !type.strip().toLowerCase(java.util.Locale.ROOT)
        .matches("application/json\\s*(;.*)?")) {
      return Reply.problem(Problem.of(415, "unsupported-media-type",
          "The body must be application/json", "Got Content-Type " + type + "."));
    }
    JsonNode body = readJson(request);
    ProviderRegistration registration;
    ProviderRegistration before;
    try {
      registration = RegistrationReader.read(tenant, provider, Fields.of(body, ""));
    } catch (ValidationException e) {
      return Reply.problem(Problems.from(e, true, null).instance(request.getHttpURI().getPath()));
    }
    try {
      before = registry.registration(tenant, provider);
    } catch (NotRegisteredException e) {
      before = null;
    }
    try {
      registry.register(registration);
    } catch (JwksCacheException e) {
      return Reply.problem(Problems.from(e, true, null));
    }
    ProviderRegistration effective = registry.registration(tenant, provider);
    audit.info("{} {}/{} -> {}", before == null ? "Registered" : "Updated", tenant, provider,
        effective.jwksUrl());
    if (before == null || !before.jwksUrl().equals(effective.jwksUrl())) {
      // Warm the new source in the background so the first read does not wait for it.
      registry.refresh(tenant, provider).whenComplete((set, error) -> {
        if (error != null) {
          log.warn("First fetch for {}/{} failed: {}", tenant, provider,
              error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                  ? error.getCause().getMessage() : error.getMessage());
        }
      });
    }
    Reply reply = Reply.json(before == null ? 201 : 200, Json.registration(effective));
    if (before == null) {
      reply.header("Location", "/v1/tenants/" + tenant + "/providers/" + provider + "/status");
    }
    return reply;
  }

  private JsonNode readJson(Request request) {
    byte[] bytes;
    try (InputStream in = Content.Source.asInputStream(request)) {
      bytes = in.readNBytes(MAX_BODY_BYTES + 1);
    } catch (IOException e) {
      throw new ValidationException("(body)", "Could not read the request body: " + e.getMessage());
    }
    if (bytes.length > MAX_BODY_BYTES) {
      throw new ValidationException("(body)", "Must be at most " + MAX_BODY_BYTES + " bytes.");
    }
    JsonNode node;
    try {
      node = BODY_READER.readTree(bytes);
    } catch (IOException e) {
      throw new ValidationException("(body)", "Not valid JSON: " + e.getMessage().lines()
          .findFirst().orElse(""));
    }
    if (node == null || !node.isObject()) {
      throw new ValidationException("(body)", "Must be a JSON object with the registration"
          + " fields (jwks_url at least).");
    }
    return node;
  }

  private Reply delete(String tenant, String provider) {
    if (!registry.unregister(tenant, provider)) {
      throw new NotRegisteredException(tenant, provider);
    }
    rendered.remove(tenant + '\u0000' + provider);
    persistence.delete(tenant, provider);
    audit.info("Unregistered {}/{}", tenant, provider);
    return Reply.empty(204);
  }

  private Reply refresh(String tenant, String provider) {
    Duration wait = registry.registration(tenant, provider).retryPolicy().deadline()
        .plusSeconds(1);
    audit.info("Refresh requested for {}/{}", tenant, provider);
    try {
      registry.refresh(tenant, provider).get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof JwksCacheException j) {
        throw j;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      return Reply.problem(Problem.of(503, "fetch-failure", "The refresh is still running",
          "No outcome after " + wait.toSeconds() + " s; the refresh goes on in the background.")
          .header("Retry-After", "1"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return Reply.json(200, Json.status(registry.providerStatus(tenant, provider)));
  }

  // ------------------------------------------------------------------------------ helpers

  /** The pair's max backoff as a Retry-After hint, when the path names a registered pair. */
  private Duration retryAfter(List<String> s) {
    if (s.size() < 5) {
      return null;
    }
    try {
      return registry.registration(s.get(2), s.get(4)).retryPolicy().maxBackoff();
    } catch (JwksCacheException e) {
      return null;
    }
  }

  /** Path segments, each percent-decoded on its own so an encoded '/' stays inside a kid. */
  static List<String> segments(String rawPath) {
    List<String> out = new ArrayList<>();
    if (rawPath == null) {
      return out;
    }
    String p = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
    if (p.isEmpty()) {
      return out;
    }
    for (String part : p.split("/", -1)) {
      out.add(URIUtil.decodePath(part));
    }
    return out;
  }
}
