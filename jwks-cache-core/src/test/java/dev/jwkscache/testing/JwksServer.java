package dev.jwkscache.testing;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A loopback JWKS endpoint for tests: a real HTTP server whose answer the test swaps at any time,
 * counting every request it receives.
 */
public final class JwksServer implements AutoCloseable {
  private final MockWebServer server = new MockWebServer();
  private final AtomicInteger requests = new AtomicInteger();
  private final List<RecordedRequest> recorded = new CopyOnWriteArrayList<>();
  private volatile Function<RecordedRequest, MockResponse> responder =
      r -> new MockResponse.Builder().code(404).build();

  public JwksServer() {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        requests.incrementAndGet();
        recorded.add(request);
        return responder.apply(request);
      }
    });
    try {
      server.start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public MockWebServer server() {
    return server;
  }

  public String url() {
    return server.url("/.well-known/jwks.json").toString();
  }

  public int requests() {
    return requests.get();
  }

  public List<RecordedRequest> recorded() {
    return recorded;
  }

  public void respond(Function<RecordedRequest, MockResponse> responder) {
    this.responder = responder;
  }

  /** Serves this body with {@code Cache-Control: max-age=N} and an ETag. */
  public void serve(String json, long maxAgeSeconds, String etag) {
    respond(r -> {
      if (etag != null && etag.equals(r.getHeaders().get("If-None-Match"))) {
        return new MockResponse.Builder().code(304)
            .addHeader("Cache-Control", "max-age=" + maxAgeSeconds).addHeader("ETag", etag)
            .build();
      }
      MockResponse.Builder b = new MockResponse.Builder().code(200)
          .addHeader("Content-Type", "application/json")
          .addHeader("Cache-Control", "max-age=" + maxAgeSeconds).body(json);
      if (etag != null) {
        b.addHeader("ETag", etag);
      }
      return b.build();
    });
  }

  public void serve(String json, long maxAgeSeconds) {
    serve(json, maxAgeSeconds, null);
  }

  /** Answers every request with this status and a short body. */
  public void fail(int status) {
    respond(r -> new MockResponse.Builder().code(status).body("upstream says no").build());
  }

  @Override
  public void close() {
    server.close();
  }
}
