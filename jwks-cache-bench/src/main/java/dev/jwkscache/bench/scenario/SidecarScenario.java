package dev.jwkscache.bench.scenario;

import static dev.jwkscache.bench.harness.Results.obj;

import dev.jwkscache.bench.LoopbackJwks;
import dev.jwkscache.bench.harness.Results;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scenario 7, the sidecar next to nginx: the jwks-cache server (its shaded jar, started as a child
 * process with one pair on a loopback upstream) serves {@code GET
 * /v1/tenants/bench/providers/idp/jwks}; nginx serves the very bytes the sidecar returned as a
 * static file. {@code wrk} runs against each with the same threads, connections and duration,
 * after an unmeasured warm-up run. The load generator shares the 2 cores with the server under
 * test, for both.
 */
final class SidecarScenario {
  private SidecarScenario() {
  }

  static Map<String, Object> run(String[] args) throws Exception {
    Path jar = Path.of(Results.arg(args, "server-jar",
        "jwks-cache-server/target/jwks-cache-server.jar"));
    int seconds = Integer.parseInt(Results.arg(args, "seconds", "10"));
    int warmup = Integer.parseInt(Results.arg(args, "warmup-seconds", "3"));
    int connections = Integer.parseInt(Results.arg(args, "connections", "64"));
    int threads = Integer.parseInt(Results.arg(args, "wrk-threads", "2"));
    Path work = Path.of(Results.arg(args, "work-dir", "target/bench-work"), "sidecar")
        .toAbsolutePath();
    Files.createDirectories(work.resolve("www"));
    Map<String, Object> out = obj();
    out.put("wrk", "wrk -t" + threads + " -c" + connections + " -d" + seconds + "s --latency");
    out.put("warmup_seconds", warmup);

    Process server = null;
    Process nginx = null;
    try (LoopbackJwks up = LoopbackJwks.http()) {
      up.path("/bench/jwks");
      int serverPort = freePort();
      Path config = work.resolve("jwks-cache.yaml");
      Files.writeString(config, String.join("\n",
          "server:",
          "  host: 127.0.0.1",
          "  port: " + serverPort,
          "registry:",
          "  require_https: false",
          "providers:",
          "  - tenant_id: bench",
          "    provider_id: idp",
          "    jwks_url: " + up.url("/bench/jwks"),
          ""));
      List<String> serverCmd = new ArrayList<>(List.of("java", "-Xms512m", "-Xmx512m"));
      String extra = Results.arg(args, "server-jvm", "");
      if (!extra.isBlank()) {
        serverCmd.addAll(List.of(extra.split(" ")));
      }
      serverCmd.addAll(List.of("-jar", jar.toString(), "serve", "--config", config.toString()));
      server = new ProcessBuilder(serverCmd)
          .redirectErrorStream(true)
          .redirectOutput(work.resolve("server.log").toFile())
          .start();
      String base = "http://127.0.0.1:" + serverPort;
      HttpClient http = HttpClient.newHttpClient();
      waitFor(http, base + "/readyz", 200, Duration.ofSeconds(60), server);
      String jwksPath = "/v1/tenants/bench/providers/idp/jwks";
      HttpResponse<byte[]> sidecarBody = http.send(HttpRequest.newBuilder(URI.create(base
          + jwksPath)).build(), HttpResponse.BodyHandlers.ofByteArray());
      if (sidecarBody.statusCode() != 200) {
        throw new IllegalStateException("sidecar answered " + sidecarBody.statusCode());
      }
      Files.write(work.resolve("www/jwks.json"), sidecarBody.body());
      out.put("body_bytes", sidecarBody.body().length);
      out.put("sidecar_headers", sidecarBody.headers().map().toString());

      int nginxPort = freePort();
      Path conf = work.resolve("nginx.conf");
      Files.writeString(conf, String.join("\n",
          "worker_processes auto;",
          "pid " + work.resolve("nginx.pid") + ";",
          "error_log " + work.resolve("nginx-error.log") + " warn;",
          "events { worker_connections 1024; }",
          "http {",
          "  access_log off;",
          "  client_body_temp_path " + work.resolve("tmp") + ";",
          "  server {",
          "    listen 127.0.0.1:" + nginxPort + ";",
          "    root " + work.resolve("www") + ";",
          "    location / { default_type application/json; }",
          "  }",
          "}",
          ""));
      Files.createDirectories(work.resolve("tmp"));
      nginx = new ProcessBuilder("nginx", "-c", conf.toString(), "-p", work.toString(), "-g",
          "daemon off;")
          .redirectErrorStream(true)
          .redirectOutput(work.resolve("nginx.log").toFile())
          .start();
      String nginxUrl = "http://127.0.0.1:" + nginxPort + "/jwks.json";
      waitFor(http, nginxUrl, 200, Duration.ofSeconds(20), nginx);
      out.put("nginx_version", version("nginx", "-v"));
      out.put("wrk_version", version("wrk", "-v"));

      String sidecarUrl = base + jwksPath;
      wrk(threads, connections, warmup, sidecarUrl);
      out.put("sidecar", wrk(threads, connections, seconds, sidecarUrl));
      wrk(threads, connections, warmup, nginxUrl);
      out.put("nginx", wrk(threads, connections, seconds, nginxUrl));
      out.put("upstream_requests", up.requests());
      System.out.println("sidecar: " + out);
    } finally {
      if (nginx != null) {
        nginx.destroy();
        nginx.waitFor(10, TimeUnit.SECONDS);
        nginx.destroyForcibly();
      }
      if (server != null) {
        server.destroy();
        server.waitFor(15, TimeUnit.SECONDS);
        server.destroyForcibly();
      }
    }
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void waitFor(HttpClient http, String url, int status, Duration max, Process p)
      throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("process for " + url + " exited with " + p.exitValue());
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == status) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(url + " did not answer " + status + " within " + max);
  }

  private static String version(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      return s.lines().findFirst().orElse("?");
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
  private static final Pattern P = Pattern.compile("^\\s+(50|75|90|99)%\\s+([\\d.]+)(us|ms|s)\\s*$",
      Pattern.MULTILINE);
  private static final Pattern ERR = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
  private static final Pattern SOCK = Pattern.compile("Socket errors: (.*)");
  private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in");

  /** Runs wrk and returns requests/s, the latency percentiles (µs) and errors. */
  private static Map<String, Object> wrk(int threads, int connections, int seconds, String url)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections,
        "-d" + seconds + "s", "--latency", url));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Map<String, Object> m = obj();
    Matcher r = RPS.matcher(text);
    m.put("requests_per_second", r.find() ? Double.parseDouble(r.group(1)) : null);
    Matcher t = TOTAL.matcher(text);
    m.put("requests", t.find() ? Long.parseLong(t.group(1)) : null);
    Matcher pm = P.matcher(text);
    while (pm.find()) {
      double v = Double.parseDouble(pm.group(2));
      double us = switch (pm.group(3)) {
        case "us" -> v;
        case "ms" -> v * 1000;
        default -> v * 1_000_000;
      };
      m.put("p" + pm.group(1) + "_us", us);
    }
    Matcher e = ERR.matcher(text);
    m.put("non_2xx", e.find() ? Long.parseLong(e.group(1)) : 0L);
    Matcher s = SOCK.matcher(text);
    m.put("socket_errors", s.find() ? s.group(1) : "none");
    m.put("raw", text);
    return m;
  }
}
