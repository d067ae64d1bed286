package dev.jwkscache.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Writes BENCHMARKS.md from the results directory that {@code run-benchmarks.sh} fills: JMH JSON
 * files ({@code jmh-*.json}), scenario JSON files, and a few text files about the machine. Every
 * figure comes from those files; the target verdicts are computed here; the analysis of missed
 * targets is the hand-written {@code report/findings.md} resource, appended as is.
 */
public final class ReportMain {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final StringBuilder md = new StringBuilder();
  private final List<String[]> verdicts = new ArrayList<>();

  private ReportMain(Path dir) {
    this.dir = dir;
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(arg(args, "results", "jwks-cache-bench/target/bench-results"));
    Path out = Path.of(arg(args, "out", "BENCHMARKS.md"));
    ReportMain r = new ReportMain(dir);
    String body = r.build();
    Files.writeString(out, body, StandardCharsets.UTF_8);
    System.out.println("wrote " + out.toAbsolutePath());
  }

  private static String arg(String[] args, String name, String def) {
    for (String a : args) {
      if (a.startsWith("--" + name + "=")) {
        return a.substring(name.length() + 3);
      }
    }
    return def;
  }

  // ------------------------------------------------------------------ inputs

  private String text(String name) {
    try {
      return Files.readString(dir.resolve(name), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return null;
    }
  }

  private JsonNode json(String name) {
    Path p = dir.resolve(name);
    if (!Files.exists(p)) {
      return null;
    }
    try {
      return JSON.readTree(p.toFile());
    } catch (IOException e) {
      return null;
    }
  }

  /** JMH results of one file by short benchmark name (+ "|param" when parameterised). */
  private Map<String, JsonNode> jmh(String name) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    JsonNode arr = json(name);
    if (arr == null || !arr.isArray()) {
      return m;
    }
    for (JsonNode b : arr) {
      String full = b.path("benchmark").asText();
      String shortName = full.substring(full.lastIndexOf('.') + 1);
      JsonNode params = b.path("params");
      if (params.isObject() && params.size() > 0) {
        List<String> ps = new ArrayList<>();
        params.fields().forEachRemaining(e -> ps.add(e.getValue().asText()));
        shortName += "|" + String.join(",", ps);
      }
      m.put(shortName, b);
    }
    return m;
  }

  private static double score(JsonNode b) {
    return b == null ? Double.NaN : b.path("primaryMetric").path("score").asDouble(Double.NaN);
  }

  private static double alloc(JsonNode b) {
    if (b == null) {
      return Double.NaN;
    }
    JsonNode sec = b.path("secondaryMetrics");
    for (String k : List.of("gc.alloc.rate.norm", "\u00b7gc.alloc.rate.norm")) {
      if (sec.has(k)) {
        return sec.path(k).path("score").asDouble(Double.NaN);
      }
    }
    return Double.NaN;
  }

  /** "12.3 ± 0.4 (11.9–12.8)" from a JMH result: score ± 99.9 % error (iteration min–max). */
  private static String jmhCell(JsonNode b, int decimals) {
    if (b == null) {
      return "n/a";
    }
    JsonNode pm = b.path("primaryMetric");
    double s = pm.path("score").asDouble(Double.NaN);
    double e = pm.path("scoreError").asDouble(Double.NaN);
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (JsonNode fork : pm.path("rawData")) {
      for (JsonNode v : fork) {
        min = Math.min(min, v.asDouble());
        max = Math.max(max, v.asDouble());
      }
    }
    String f = "%." + decimals + "f";
    String out = String.format(Locale.ROOT, f, s);
    out += Double.isNaN(e) ? " ± n/a" : " ± " + String.format(Locale.ROOT, f, e);
    if (min <= max) {
      out += " (" + String.format(Locale.ROOT, f, min) + "–" + String.format(Locale.ROOT, f, max)
          + ")";
    }
    return out;
  }

  private static String fmt(double v, int decimals) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** Nanoseconds as a readable duration. */
  private static String ns(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) {
      return "n/a";
    }
    return ns(n.asDouble());
  }

  private static String ns(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    if (v < 10_000) {
      return fmt(v, 0) + " ns";
    }
    if (v < 10_000_000) {
      return fmt(v / 1000, 1) + " µs";
    }
    if (v < 10_000_000_000.0) {
      return fmt(v / 1e6, 1) + " ms";
    }
    return fmt(v / 1e9, 2) + " s";
  }

  /** "min / median / max" of a spread written by the scenarios. */
  private static String spread(JsonNode s, int decimals) {
    if (s == null || s.isMissingNode()) {
      return "n/a";
    }
    return fmt(s.path("min").asDouble(), decimals) + " / " + fmt(s.path("median").asDouble(),
        decimals) + " / " + fmt(s.path("max").asDouble(), decimals);
  }

  private void line(String s) {
    md.append(s).append('\n');
  }

  private void verdict(String id, String target, String measured, Boolean met, String margin) {
    String v = met == null ? "no data" : met ? "**met**" : "**missed**";
    if (margin != null && !margin.isEmpty()) {
      v += " (" + margin + ")";
    }
    verdicts.add(new String[] {id, target, measured, v});
  }

  // ------------------------------------------------------------------ report

  private String build() throws IOException {
    StringBuilder head = new StringBuilder();
    String loadStart = text("load-start.txt");
    String loadEnd = text("load-end.txt");
    double load = Math.max(loadAvg(loadStart), loadAvg(loadEnd));
    double busyDuring = loadAvg(text("load-max.txt"));
    load = Math.max(load, busyDuring);
    int cores = Runtime.getRuntime().availableProcessors();
    boolean provisional = load > cores * 0.5 || "1".equals(System.getenv("BENCH_PROVISIONAL"));

    head.append("# Benchmarks: jwks-cache beside Nimbus JOSE+JWT and Auth0 jwks-rsa\n\n");
    head.append("<!-- Generated by jwks-cache-bench/run-benchmarks.sh "
        + "(dev.jwkscache.bench.report.ReportMain). Do not edit by hand: rerun the script. -->\n\n");
    if (provisional) {
      head.append("> **PROVISIONAL.** These figures were taken on a shared ")
          .append(cores).append("-core machine while other builds were running (1-minute load "
              + "average up to ")
          .append(fmt(load, 2))
          .append(" during the run; see the machine table). Every contender ran in the same "
              + "session, so the ratios between them mean more than the absolute figures, and "
              + "the JMH settings are the short ones. Rerun on a quiet machine before quoting "
              + "any number.\n\n");
    }
    head.append("Generated ").append(text("date.txt") == null ? "" : text("date.txt"))
        .append(" from commit `").append(nz(text("git-rev.txt"))).append("`; the whole run took ")
        .append(nz(text("duration.txt"))).append(".\n\n");
    head.append("## How to run\n\n```bash\njwks-cache-bench/run-benchmarks.sh\n```\n\n");
    head.append("One command builds the benchmark jar and the server (`mvn -Pbench package`), runs every JMH "
        + "benchmark and scenario below (each in its own JVM), and rewrites this file. It takes "
        + "about 13 to 14 minutes on 2 cores (under the 15-minute budget). Results and logs stay in "
        + "`jwks-cache-bench/target/bench-results/`. `mvn verify` at the root only compiles the "
        + "benchmark module: it runs no benchmark and builds no shaded jar.\n\n");
    String settings = text("settings.txt");
    if (settings != null) {
      head.append("Settings of this run (environment overrides in the script):\n\n```\n")
          .append(settings).append("\n```\n\n");
    }

    machine();
    hit();
    stampede();
    outage();
    storm();
    parseAndRefresh();
    scale();
    persistence();
    sidecar();
    findings();

    StringBuilder summary = new StringBuilder("## Targets at a glance\n\n");
    summary.append("Measured figures are ours unless named; the sections below have every "
        + "contender.\n\n");
    summary.append("| # | target | measured | verdict |\n|---|---|---|---|\n");
    for (String[] v : verdicts) {
      summary.append("| ").append(String.join(" | ", v)).append(" |\n");
    }
    summary.append('\n');
    return head + summary.toString() + md;
  }

  private static String nz(String s) {
    return s == null ? "?" : s;
  }

  private static double loadAvg(String uptime) {
    if (uptime == null) {
      return 0;
    }
    int i = uptime.indexOf("load average:");
    // uptime's line, or a bare number (load-max.txt)
    String[] parts = (i < 0 ? uptime : uptime.substring(i + 13)).trim().split(",\\s*");
    try {
      return Double.parseDouble(parts[0].trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void machine() {
    line("## Machine, JVM, versions\n");
    line("| | |\n|---|---|");
    line("| CPU | " + nz(text("cpu.txt")) + " |");
    line("| cores | " + Runtime.getRuntime().availableProcessors() + " |");
    line("| memory | " + nz(text("mem.txt")) + " |");
    line("| OS | " + nz(text("os.txt")) + " |");
    line("| JVM | " + System.getProperty("java.vm.name") + " " + System.getProperty(
        "java.runtime.version") + " (" + System.getProperty("java.vm.vendor") + ") |");
    line("| load at start | `" + nz(text("load-start.txt")) + "` |");
    line("| highest 1-min load seen during the run | " + nz(text("load-max.txt")) + " |");
    line("| load at end | `" + nz(text("load-end.txt")) + "` |");
    line("| jwks-cache | " + version("dev.jwkscache", "jwks-cache-core") + " |");
    line("| Nimbus JOSE+JWT | " + version("com.nimbusds", "nimbus-jose-jwt") + " |");
    line("| Auth0 jwks-rsa | " + version("com.auth0", "jwks-rsa") + " (with Guava "
        + version("com.google.guava", "guava") + ", Jackson "
        + version("com.fasterxml.jackson.core", "jackson-databind") + ") |");
    line("| OkHttp (ours) | " + version("com.squareup.okhttp3", "okhttp-jvm") + " |");
    line("| Lettuce (ours, Redis) | " + version("io.lettuce", "lettuce-core") + " |");
    line("| redis-server | " + nz(text("redis-version.txt")) + " |");
    line("| JMH | " + version("org.openjdk.jmh", "jmh-core") + " |");
    line("| HdrHistogram | " + version("org.hdrhistogram", "HdrHistogram") + " |");
    line("");
  }

  private static final Properties PINNED = new Properties();

  static {
    try (InputStream in = ReportMain.class.getResourceAsStream("/bench-versions.properties")) {
      if (in != null) {
        PINNED.load(in);
      }
    } catch (IOException e) {
      // versions then come from pom.properties only
    }
  }

  /** The pinned version (parent pom) of a library, else its jar's pom.properties. */
  private static String version(String group, String artifact) {
    String key = switch (artifact) {
      case "jwks-cache-core" -> "jwks-cache";
      case "jwks-rsa", "guava", "nimbus-jose-jwt", "lettuce-core", "jmh-core" ->
          artifact.replace("-core", "");
      case "okhttp-jvm" -> "okhttp";
      case "jackson-databind" -> "jackson";
      case "HdrHistogram" -> "hdrhistogram";
      default -> artifact;
    };
    String pinned = PINNED.getProperty(key);
    return pinned != null ? pinned : pomVersion(group, artifact);
  }

  private static String pomVersion(String group, String artifact) {
    String res = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = ReportMain.class.getResourceAsStream(res)) {
      if (in == null) {
        return "?";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "?");
    } catch (IOException e) {
      return "?";
    }
  }

  // ------------------------------------------------------------------ 1. hit

  private void hit() {
    Map<String, JsonNode> t1 = jmh("jmh-hit-t1.json");
    Map<String, JsonNode> t2 = jmh("jmh-hit-t2.json");
    line("## 1. Hit\n");
    line("JMH `HitBenchmark`, average time per lookup of kid `key-2` (second of three RSA keys), "
        + "pairs visited round-robin among 100, each with its own URL, all loaded beforehand. "
        + "Cells: score ± 99.9 % error (min–max of the iterations), ns per lookup; allocation "
        + "from `-prof gc`. With 2 threads the figure is the time per lookup seen by each "
        + "thread. Ours and the baseline also find the pair by name in a ConcurrentHashMap on "
        + "every call (ours twice: tenant, provider); the peers are handed their source object.\n");
    line("| contender | JWK, 1 thread | JWK, 2 threads | PublicKey, 1 thread | PublicKey, 2 "
        + "threads | B/op (JWK / PublicKey, 1 thread) |");
    line("|---|---|---|---|---|---|");
    String[][] rows = {
        {"ours (`resolveKey` / `resolvePublicKey`)", "oursJwk", "oursPublicKey"},
        {"baseline (CHM + volatile array + currentTimeMillis)", "baselineJwk",
            "baselinePublicKey"},
        {"Nimbus defaults (PublicKey converted per call)", "nimbusJwk", "nimbusPublicKey"},
        {"Nimbus refresh-ahead + outage-tolerant", "nimbusTolerantJwk", null},
        {"Auth0 jwks-rsa defaults (PublicKey converted per call)", "auth0Jwk", "auth0PublicKey"},
    };
    for (String[] r : rows) {
      line("| " + r[0] + " | " + jmhCell(t1.get(r[1]), 1) + " | " + jmhCell(t2.get(r[1]), 1)
          + " | " + (r[2] == null ? "same as JWK + conversion" : jmhCell(t1.get(r[2]), 1))
          + " | " + (r[2] == null ? "" : jmhCell(t2.get(r[2]), 1)) + " | "
          + fmt(alloc(t1.get(r[1])), 1) + " / " + (r[2] == null ? "" : fmt(alloc(t1.get(r[2])),
          1)) + " |");
    }
    JsonNode counter1 = t1.get("counterOnly");
    if (counter1 != null) {
      line("\nFor the analysis below: `counterOnly` (one `LongAdder.increment()` on one of 100 "
          + "adders, round-robin, the per-pair hit counter of ours) takes "
          + jmhCell(counter1, 1) + " ns with 1 thread and " + jmhCell(t2.get("counterOnly"), 1)
          + " ns with 2; `clockOnly` (the `System.currentTimeMillis()` of the baseline) "
          + jmhCell(t1.get("clockOnly"), 1) + " ns.");
    }
    line("");
    for (String t : List.of("1", "2")) {
      Map<String, JsonNode> m = t.equals("1") ? t1 : t2;
      double ours = score(m.get("oursJwk"));
      double base = score(m.get("baselineJwk"));
      double nimbus = score(m.get("nimbusJwk"));
      double oursPk = score(m.get("oursPublicKey"));
      double nimbusPk = score(m.get("nimbusPublicKey"));
      if (!Double.isNaN(ours) && !Double.isNaN(base)) {
        verdict("1", "JWK hit no slower than the baseline (" + t + " thread" + (t.equals("1")
            ? "" : "s") + ")", fmt(ours, 1) + " ns vs " + fmt(base, 1) + " ns",
            ours <= base, ours <= base ? fmt(base / ours, 2) + "x faster"
                : fmt(ours / base, 2) + "x the baseline");
      }
      if (!Double.isNaN(ours) && !Double.isNaN(nimbus)) {
        verdict("1", "JWK hit ≥ 3x faster than Nimbus (" + t + "t)", fmt(nimbus / ours, 1)
            + "x (" + fmt(nimbus, 1) + " ns)", nimbus / ours >= 3, null);
      }
      if (!Double.isNaN(ours) && !Double.isNaN(oursPk)) {
        verdict("1", "PublicKey hit within 1.2x of our JWK hit (" + t + "t)", fmt(oursPk / ours,
            2) + "x", oursPk / ours <= 1.2, null);
      }
      if (!Double.isNaN(oursPk) && !Double.isNaN(nimbusPk)) {
        verdict("1", "PublicKey hit about 50x faster than Nimbus (" + t + "t)",
            fmt(nimbusPk / oursPk, 0) + "x (Nimbus " + ns(nimbusPk) + ")",
            nimbusPk / oursPk >= 50, null);
      }
    }
  }

  // ------------------------------------------------------------------ 2. stampede

  private void stampede() {
    JsonNode s = json("stampede.json");
    line("## 2. Cold stampede\n");
    if (s == null) {
      line("_No results (the scenario did not run or failed; see the logs)._\n");
      verdict("2", "stampede: 1 request, all served, ≈ one round trip", "n/a", null, null);
      return;
    }
    int callers = s.path("callers").asInt();
    int latency = s.path("upstream_latency_ms").asInt();
    line(callers + " threads wait on a latch and are released together against a pair nothing "
        + "has fetched; upstream answers after " + latency + " ms; each thread asks for the "
        + "PublicKey of `key-2`. " + s.path("rounds").asInt() + " measured rounds per contender "
        + "(a new pair and URL each), after one unmeasured round (its figures are in the last "
        + "column: the JVM's first fetch pays class loading and TLS setup). Cells: min / "
        + "median / max over the rounds. Wall time: from release to the last caller's return.\n");
    for (String scheme : List.of("http", "https")) {
      JsonNode bs = s.path(scheme);
      if (bs.isMissingNode()) {
        continue;
      }
      line("**" + scheme.toUpperCase(Locale.ROOT) + "**\n");
      line("| contender | upstream requests | callers served | wall time, ms | first round "
          + "(requests, served, ms) |");
      line("|---|---|---|---|---|");
      bs.fields().forEachRemaining(e -> {
        JsonNode m = e.getValue();
        JsonNode first = m.path("first_round_in_jvm");
        line("| " + e.getKey() + " | " + spread(m.path("upstream_requests"), 0) + " | "
            + spread(m.path("served"), 0) + " | " + spread(m.path("wall_ms"), 1) + " | "
            + first.path("upstream_requests").asText() + ", " + first.path("served").asText()
            + ", " + fmt(first.path("wall_ms").asDouble(), 1) + " |");
      });
      line("");
      JsonNode ours = bs.path("ours");
      if (!ours.isMissingNode()) {
        double maxReq = ours.path("upstream_requests").path("max").asDouble();
        double minServed = ours.path("served").path("min").asDouble();
        double medWall = ours.path("wall_ms").path("median").asDouble();
        double maxWall = ours.path("wall_ms").path("max").asDouble();
        boolean met = maxReq == 1 && minServed == callers && medWall <= latency * 1.5;
        verdict("2", "stampede over " + scheme + ": exactly 1 request, all " + callers
                + " served, wall ≈ one round trip (median ≤ 1.5 × " + latency + " ms)",
            fmt(maxReq, 0) + " request(s), " + fmt(minServed, 0) + " served, median "
                + fmt(medWall, 0) + " ms (max " + fmt(maxWall, 0) + ")", met, null);
      }
    }
  }

  // ------------------------------------------------------------------ 3. outage

  private void outage() {
    JsonNode s = json("outage.json");
    line("## 3. Outage inside the stale window\n");
    if (s == null) {
      line("_No results._\n");
      verdict("3", "outage: 0 failures, p99 ≤ 2x fresh p99, no wait > deadline", "n/a", null,
          null);
      return;
    }
    line(s.path("threads").asInt() + " threads ask for the PublicKey of `key-2` back to back for "
        + s.path("seconds").asInt() + " s after the cached set expired, upstream answering 500 "
        + "or hanging (a hung request is answered only when the run ends). \"Fresh p99\" is the "
        + "same load for " + fmt(s.path("fresh_seconds").asDouble(), 0) + " s before the outage. "
        + "Latencies from HdrHistogram, `System.nanoTime()` around each lookup.\n");
    line("How each contender gets an expired set: the peers run with their defaults except a "
        + "cache TTL of " + s.path("peer_ttl_seconds").asInt() + " s (the shortest that "
        + "Nimbus's refresh-ahead defaults accept), are loaded and left idle until it has "
        + "passed (their expiry is checked on access). Ours refreshes ahead on a timer, so "
        + "idling would only show refresh-ahead working: its registry runs on a clock that the "
        + "scenario moves 61 s forward (past the 60 s TTL) at the moment upstream goes down; "
        + "stale_while_error 1 h, default retry policy (3 attempts, 3 s each, 8 s deadline, "
        + "backoff 250 ms doubling to 2 s).\n");
    line("| contender / upstream | lookups | failed | fresh p99 | p50 | p99 | p99.9 | max | "
        + "lookups > 100 ms | upstream requests |");
    line("|---|---|---|---|---|---|---|---|---|---|");
    JsonNode res = s.path("results");
    res.fields().forEachRemaining(e -> {
      JsonNode m = e.getValue();
      JsonNode o = m.path("outage");
      line("| " + e.getKey() + " | " + o.path("count").asText() + " | "
          + o.path("failures").asText() + " | " + ns(m.path("fresh").path("p99_ns")) + " | "
          + ns(o.path("p50_ns")) + " | " + ns(o.path("p99_ns")) + " | " + ns(o.path("p999_ns"))
          + " | " + ns(o.path("max_ns")) + " | " + o.path("over_100ms").asText() + " | "
          + m.path("upstream_requests").asText() + " |");
    });
    line("");
    for (String mode : List.of("500", "hang")) {
      JsonNode m = res.path("ours/" + mode);
      if (m.isMissingNode()) {
        continue;
      }
      JsonNode o = m.path("outage");
      long failures = o.path("failures").asLong();
      double p99 = o.path("p99_ns").asDouble();
      double fresh = m.path("fresh").path("p99_ns").asDouble();
      double max = o.path("max_ns").asDouble();
      verdict("3", "outage (" + mode + "): 0 failed lookups", failures + " failed of "
          + o.path("count").asText(), failures == 0, null);
      verdict("3", "outage (" + mode + "): p99 within 2x of the fresh-hit p99", ns(p99)
          + " vs fresh " + ns(fresh), p99 <= 2 * fresh, fmt(p99 / fresh, 1) + "x");
      verdict("3", "outage (" + mode + "): no lookup waits longer than the retry deadline (8 s; "
              + "1 % allowed for timer and scheduling slack)",
          "max " + ns(max) + "; " + o.path("over_100ms").asText() + " lookups > 100 ms",
          max <= 8.08e9, max <= 8e9 ? null : "over the deadline by " + ns(max - 8e9));
      verdict("3", "outage (" + mode + "): upstream requests bounded by backoff (stated)",
          m.path("upstream_requests").asText() + " in " + s.path("seconds").asInt() + " s",
          true, null);
    }
  }

  // ------------------------------------------------------------------ 4. storm

  private void storm() {
    JsonNode s = json("storm.json");
    line("## 4. Unknown-kid storm\n");
    if (s == null) {
      line("_No results._\n");
      verdict("4", "storm", "n/a", null, null);
      return;
    }
    double stormSeconds = s.path("storm_seconds").asDouble();
    line(s.path("threads").asInt() + " threads look up " + s.path("kids").asInt() + " random "
        + "unknown kids in total, paced evenly over " + fmt(stormSeconds, 0) + " s, while one more "
        + "thread looks up the valid kid back to back. Right after the storm a new key is added "
        + "upstream and a poller asks for it every 50 ms. Ours runs with unknown_kid_cooldown "
        + s.path("short_cooldown_seconds").asInt() + " s and with the default ("
        + s.path("default_cooldown_seconds").asInt() + " s); Nimbus's default is a 30 s minimum "
        + "interval between fetches, Auth0's a bucket of 10 fetches per minute. Pollers of "
        + "earlier contenders keep running (one lookup per 50 ms) during later storms.\n");
    line("| contender | upstream requests during storm | storm p50 | storm p99 | storm max | "
        + "valid kid: failures | valid kid p99 quiet → storm | valid kid max in storm | new key "
        + "resolvable after |");
    line("|---|---|---|---|---|---|---|---|---|");
    JsonNode res = s.path("results");
    res.fields().forEachRemaining(e -> {
      JsonNode m = e.getValue();
      JsonNode st = m.path("storm");
      JsonNode v = m.path("valid_kid_during_storm");
      JsonNode after = m.path("new_key_resolvable_after_ms");
      line("| " + e.getKey() + " | " + m.path("upstream_requests_during_storm").asText()
          + " in " + fmt(m.path("storm_wall_ms").asDouble() / 1000, 1) + " s | "
          + ns(st.path("p50_ns")) + " | " + ns(st.path("p99_ns")) + " | "
          + ns(st.path("max_ns")) + " | " + v.path("failures").asText() + " of "
          + v.path("count").asText() + " | " + ns(m.path("valid_kid_quiet").path("p99_ns"))
          + " → " + ns(v.path("p99_ns")) + " | " + ns(v.path("max_ns")) + " | "
          + (after.isNumber() ? fmt(after.asDouble() / 1000, 2) + " s" : after.asText()) + " |");
    });
    line("");
    String shortName = "ours-cooldown-" + s.path("short_cooldown_seconds").asInt() + "s";
    JsonNode m = res.path(shortName);
    if (!m.isMissingNode()) {
      double cooldown = s.path("short_cooldown_seconds").asDouble();
      double wall = m.path("storm_wall_ms").asDouble() / 1000;
      long req = m.path("upstream_requests_during_storm").asLong();
      long allowed = (long) Math.ceil(wall / cooldown);
      verdict("4", "storm: ≤ 1 upstream request per cooldown (" + fmt(cooldown, 0) + " s)", req
          + " in " + fmt(wall, 1) + " s", req <= allowed, "budget " + allowed);
      for (String variant : List.of(shortName, "ours-cooldown-default")) {
        JsonNode vm = res.path(variant);
        if (vm.isMissingNode()) {
          continue;
        }
        double p99 = vm.path("storm").path("p99_ns").asDouble();
        verdict("4", "storm p99 ≤ 20 µs, fail fast (" + variant + ")", ns(p99), p99 <= 20_000,
            fmt(p99 / 20_000 * 100, 0) + " % of the budget");
      }
      JsonNode v = m.path("valid_kid_during_storm");
      double quiet = m.path("valid_kid_quiet").path("p99_ns").asDouble();
      double vp99 = v.path("p99_ns").asDouble();
      verdict("4", "storm: valid kid never fails", v.path("failures").asText() + " failures",
          v.path("failures").asLong() == 0, null);
      verdict("4", "storm: valid kid does not slow (p99 ≤ 2x its quiet p99)", ns(quiet) + " → "
          + ns(vp99), vp99 <= 2 * quiet, fmt(vp99 / quiet, 1) + "x");
      JsonNode after = m.path("new_key_resolvable_after_ms");
      boolean ok = after.isNumber() && after.asDouble() <= cooldown * 1000 + 100;
      verdict("4", "storm: new key resolvable within the cooldown (+ 50 ms poll)", after.isNumber()
          ? fmt(after.asDouble(), 0) + " ms" : after.asText(), ok, null);
    }
    JsonNode d = res.path("ours-cooldown-default");
    if (!d.isMissingNode()) {
      JsonNode after = d.path("new_key_resolvable_after_ms");
      double cooldown = s.path("default_cooldown_seconds").asDouble();
      verdict("4", "storm, default cooldown (30 s): new key within the cooldown", after.isNumber()
          ? fmt(after.asDouble() / 1000, 1) + " s" : after.asText(),
          after.isNumber() && after.asDouble() <= cooldown * 1000 + 100, null);
    }
  }

  // ------------------------------------------------------------------ 5. parse, refresh

  private void parseAndRefresh() {
    Map<String, JsonNode> p = jmh("jmh-parse.json");
    line("## 5. Parse and refresh cost\n");
    line("JMH `ParseBenchmark` with `-prof gc`: each real JWKS document of "
        + "`jwks-cache-core/src/test/resources/fixtures/real-jwks/` parsed by ours "
        + "(`JwksParser.parse(String, String)`: validates, keeps public members only, converts "
        + "every key to a `PublicKey` once, serialises the public set for snapshots) and by "
        + "Nimbus `JWKSet.parse(String)` (parse only); `Nimbus + convert` adds the `toPublicKey()` "
        + "of every key, the closest match to our work. µs per document ± error (iteration "
        + "min–max); allocation in KB per parse.\n");
    line("| document | bytes | ours, µs | Nimbus, µs | Nimbus + convert, µs | KB/op ours / "
        + "Nimbus / Nimbus + convert |");
    line("|---|---|---|---|---|---|");
    List<String> docs = new ArrayList<>();
    for (String k : p.keySet()) {
      String doc = k.substring(k.indexOf('|') + 1);
      if (k.contains("|") && !docs.contains(doc)) {
        docs.add(doc);
      }
    }
    for (String doc : docs) {
      JsonNode o = p.get("ours|" + doc);
      JsonNode n = p.get("nimbus|" + doc);
      JsonNode c = p.get("nimbusParseAndConvert|" + doc);
      line("| " + doc + " | " + docBytes(doc) + " | " + jmhCell(o, 1) + " | " + jmhCell(n, 1)
          + " | " + jmhCell(c, 1) + " | " + fmt(alloc(o) / 1024, 1) + " / "
          + fmt(alloc(n) / 1024, 1) + " / " + fmt(alloc(c) / 1024, 1) + " |");
    }
    line("");
    Map<String, JsonNode> r = jmh("jmh-refresh.json");
    line("**Refresh cycle** (JMH `RefreshBenchmark`): ours is a complete "
        + "`registry.refresh(t, p).get()` on loopback (fetch of the 3-key RSA set, parse, "
        + "PublicKey conversion, publish; the connection is kept alive); the peers' figure is "
        + "only the fetch-and-parse step they run on a refresh (Nimbus `URLBasedJWKSetSource` with "
        + "its default retriever, Auth0 `UrlJwkProvider.getAll()`), without conversion. µs per "
        + "cycle.\n");
    line("| | HTTP | HTTPS |");
    line("|---|---|---|");
    for (String[] row : new String[][] {{"ours: refresh cycle", "ours"},
        {"Nimbus: fetch + parse", "nimbusFetchAndParse"},
        {"Auth0: fetch + parse", "auth0FetchAndParse"}}) {
      line("| " + row[0] + " | " + jmhCell(r.get(row[1] + "|http"), 1) + " | "
          + jmhCell(r.get(row[1] + "|https"), 1) + " |");
    }
    line("");
    Map<String, JsonNode> sp = jmh("jmh-slowpath.json");
    if (!sp.isEmpty()) {
      line("**Slow paths alone** (JMH `SlowPathBenchmark`, 1 thread, `-prof gc`): an unknown kid "
          + "inside the cooldown / rate limit (no fetch), and ours serving a stale set while a "
          + "failed refresh backs off. ns per lookup.\n");
      line("| path | ns/op | B/op |");
      line("|---|---|---|");
      for (String[] row : new String[][] {{"ours: fresh hit (reference)", "oursFreshHit"},
          {"ours: stale set, refresh backing off", "oursStaleInBackoff"},
          {"ours: unknown kid inside the cooldown", "oursUnknownKid"},
          {"Nimbus: unknown kid inside the rate limit", "nimbusUnknownKid"},
          {"Auth0: unknown kid, bucket empty", "auth0UnknownKid"}}) {
        line("| " + row[0] + " | " + jmhCell(sp.get(row[1]), 1) + " | "
            + fmt(alloc(sp.get(row[1])), 0) + " |");
      }
      line("");
    }
  }

  private static String docBytes(String doc) {
    try (InputStream in = ReportMain.class.getResourceAsStream("/real-jwks/" + doc + ".json")) {
      return in == null ? "?" : String.valueOf(in.readAllBytes().length);
    } catch (IOException e) {
      return "?";
    }
  }

  // ------------------------------------------------------------------ 6. scale

  private void scale() {
    line("## 6. Scale\n");
    List<String> names = List.of("ours", "baseline", "baseline-jwk-only", "nimbus-defaults",
        "auth0");
    line("Each contender in its own JVM (`-Xms4g -Xmx4g -XX:+UseParallelGC`). N pairs, each with "
        + "the same 3-key set under its own URL path, loaded by 8 threads (one fetch per pair). "
        + "Heap per pair: used heap after repeated `System.gc()` once loaded, minus the same "
        + "before creating anything, divided by N (it includes each contender's per-pair lookup "
        + "handle of the harness, about 24 bytes). The baseline keeps (kid, JWK, PublicKey) per "
        + "key; `baseline-jwk-only` keeps no PublicKey (what Nimbus keeps). Hits: one thread, "
        + "a random pair per lookup, PublicKey of `key-2` (JWK for the JWK-only baseline), 2 "
        + "million lookups after 500,000 of warm-up.\n");
    line("| contender | pairs | create, ms | load, ms | upstream requests | heap per pair | "
        + "threads before → after | hit p50 | hit p99 | hit p99.9 | hit max |");
    line("|---|---|---|---|---|---|---|---|---|---|---|");
    Map<String, Double> perPair = new LinkedHashMap<>();
    for (String n : names) {
      JsonNode s = json("scale-" + n + ".json");
      if (s == null) {
        line("| " + n + " | _no results_ | | | | | | | | | |");
        continue;
      }
      JsonNode h = s.path("hits_spread");
      double pp = s.path("heap_per_pair_bytes").asDouble();
      perPair.put(n, pp);
      line("| " + n + " | " + s.path("pairs").asText() + " | " + fmt(s.path("create_ms")
          .asDouble(), 0) + " | " + (n.startsWith("baseline") ? "no loader" : fmt(s.path(
          "load_ms").asDouble(), 0)) + " | " + s.path("upstream_requests").asText() + " | "
          + fmt(pp / 1024, 2) + " KB | " + s.path("threads_before").asText() + " → "
          + s.path("threads_after").asText() + " | " + ns(h.path("p50_ns")) + " | "
          + ns(h.path("p99_ns")) + " | " + ns(h.path("p999_ns")) + " | " + ns(h.path("max_ns"))
          + " |");
    }
    line("");
    JsonNode ours = json("scale-ours.json");
    if (ours != null && ours.has("idle")) {
      JsonNode idle = ours.path("idle");
      line("**Idle CPU, ours, " + ours.path("pairs").asText() + " pairs** with their refresh-ahead "
          + "timers armed: " + fmt(idle.path("process_cpu_ms").asDouble(), 0) + " ms of process "
          + "CPU in " + fmt(idle.path("seconds").asDouble(), 1) + " s ("
          + fmt(idle.path("cpu_percent_of_one_core").asDouble(), 3) + " % of one core), "
          + idle.path("threads").asText() + " live threads in the JVM (the loopback server "
          + "and the harness included). Busiest threads over the window:");
      for (JsonNode t : idle.path("top_threads")) {
        md.append(" `").append(t.path("thread").asText()).append("` ")
            .append(fmt(t.path("cpu_ms").asDouble(), 1)).append(" ms;");
      }
      line("\n");
      double pct = idle.path("cpu_percent_of_one_core").asDouble();
      verdict("6", "scale: CPU ≈ 0 while idle with refresh-ahead scheduled (≤ 1 % of a core)",
          fmt(idle.path("process_cpu_ms").asDouble(), 0) + " ms in " + fmt(idle.path("seconds")
              .asDouble(), 0) + " s (" + fmt(pct, 3) + " %)", pct <= 1.0, null);
      int before = ours.path("threads_before").asInt();
      int after = ours.path("threads_after").asInt();
      verdict("6", "scale: no thread per pair", before + " → " + after + " threads for "
          + ours.path("pairs").asText() + " pairs", after - before < 64, null);
    }
    if (perPair.containsKey("ours") && perPair.containsKey("baseline")) {
      double r = perPair.get("ours") / perPair.get("baseline");
      verdict("6", "scale: heap per pair ≤ 1.2x the baseline (PublicKeys kept)",
          fmt(perPair.get("ours") / 1024, 2) + " KB vs " + fmt(perPair.get("baseline") / 1024, 2)
              + " KB (JWK-only baseline " + fmt(perPair.getOrDefault("baseline-jwk-only",
              Double.NaN) / 1024, 2) + " KB)", r <= 1.2, fmt(r, 2) + "x");
    }
  }

  // ------------------------------------------------------------------ persistence

  private void persistence() {
    JsonNode s = json("persistence.json");
    line("## Persistence (issue 5): warm starts\n");
    if (s == null) {
      line("_No results._\n");
      verdict("5", "persistence", "n/a", null, null);
      return;
    }
    int pairs = s.path("pairs").asInt();
    line(pairs + " pairs loaded from loopback are written with `registry.persistAll()`; then "
        + "each round a new registry (and a new store) registers the same pairs and restores "
        + "them, until all are Ready: with `restoreFromPersistence()` (one bulk read, "
        + "`restoreOnRegister(false)`) and with `restoreOnRegister(true)` (one read per "
        + "`register`). Files on the machine's ext4 disk (`" + s.path("work_dir").asText()
        + "`); Redis is a local `redis-server --save \"\" --appendonly no`, store timeout "
        + s.path("redis_timeout_ms").asText() + " ms (the default). The upstream request count "
        + "covers the whole warm start plus one resolve of every pair afterwards. Cells: min / "
        + "median / max over " + s.path("rounds").asInt() + " rounds, ms.\n");
    line("| persist " + pairs + " (`persistAll`) | ms |");
    line("|---|---|");
    JsonNode p = s.path("persist_all_ms");
    p.fields().forEachRemaining(e -> line("| " + e.getKey().replace('_', ' ') + " | "
        + spread(e.getValue(), 0) + " |"));
    line("");
    line("| warm start of " + pairs + " | register, ms | restore, ms | start to all Ready, ms | "
        + "Ready | upstream requests |");
    line("|---|---|---|---|---|---|");
    JsonNode w = s.path("warm_start");
    w.fields().forEachRemaining(e -> {
      JsonNode m = e.getValue();
      line("| " + e.getKey().replace('_', ' ') + " | " + spread(m.path("register_ms"), 0) + " | "
          + spread(m.path("restore_ms"), 0) + " | " + spread(m.path("start_to_all_ready_ms"), 0)
          + " | " + spread(m.path("ready"), 0) + " | " + spread(m.path("upstream_requests"), 0)
          + " |");
    });
    line("");
    for (String k : List.of("file_fsync_on_bulk_restore", "redis_bulk_restore")) {
      JsonNode m = w.path(k);
      if (m.isMissingNode()) {
        continue;
      }
      double med = m.path("start_to_all_ready_ms").path("median").asDouble();
      double max = m.path("start_to_all_ready_ms").path("max").asDouble();
      verdict("5", "restore " + pairs + " from " + (k.startsWith("file") ? "files" : "Redis")
              + " to all Ready < 1 s", "median " + fmt(med, 0) + " ms, max " + fmt(max, 0) + " ms",
          med < 1000, max < 1000 ? null : "slowest round " + fmt(max / 1000, 2) + " s");
      double req = m.path("upstream_requests").path("max").asDouble();
      verdict("5", "warm start from " + (k.startsWith("file") ? "files" : "Redis")
          + ": 0 upstream requests", fmt(req, 0), req == 0, null);
    }
    for (String k : List.of("file_fsync_on", "file_fsync_off", "redis")) {
      JsonNode m = p.path(k);
      if (m.isMissingNode()) {
        continue;
      }
      double med = m.path("median").asDouble();
      verdict("5", "persist " + pairs + " (" + k.replace('_', ' ') + ") < 1 s", "median "
          + fmt(med, 0) + " ms", med < 1000, med < 1000 ? null : fmt(med / 1000, 1) + " s");
    }
  }

  // ------------------------------------------------------------------ 7. sidecar

  private void sidecar() {
    line("## 7. Sidecar vs nginx\n");
    String status = text("sidecar.txt");
    JsonNode s = json("sidecar.json");
    if (s == null) {
      line("**TODO.** " + (status == null ? "Not run (see the logs)." : status) + " The script's "
          + "hook (`run_sidecar` in `run-benchmarks.sh`) runs `wrk` against the server's "
          + "`GET .../jwks` next to nginx serving the same JSON as a static file.\n");
      verdict("7", "sidecar ≥ 50 % of nginx requests/s", "not run", null, null);
      return;
    }
    line("The jwks-cache server (`java -jar jwks-cache-server.jar serve`, `-Xmx512m`, one pair on "
        + "a loopback upstream) serves `GET /v1/tenants/bench/providers/idp/jwks`; nginx ("
        + s.path("nginx_version").asText().replace("nginx version: ", "") + ", `worker_processes "
        + "auto`, access log off) serves the very bytes the sidecar returned ("
        + s.path("body_bytes").asText() + " bytes) as a static file. `" + s.path("wrk").asText()
        + "` (" + s.path("wrk_version").asText().split(" \\[")[0] + ") against each, after "
        + s.path("warmup_seconds").asText() + " s of unmeasured warm-up. wrk shares the 2 cores "
        + "with the server it measures, for both.\n");
    line("| target | requests/s | p50 | p90 | p99 | non-2xx | socket errors |");
    line("|---|---|---|---|---|---|---|");
    for (String k : List.of("sidecar", "nginx")) {
      JsonNode m = s.path(k);
      line("| " + k + " | " + fmt(m.path("requests_per_second").asDouble(), 0) + " | "
          + ns(m.path("p50_us").asDouble() * 1000) + " | " + ns(m.path("p90_us").asDouble() * 1000)
          + " | " + ns(m.path("p99_us").asDouble() * 1000) + " | " + m.path("non_2xx").asText()
          + " | " + m.path("socket_errors").asText() + " |");
    }
    line("");
    double side = s.path("sidecar").path("requests_per_second").asDouble();
    double ngx = s.path("nginx").path("requests_per_second").asDouble();
    verdict("7", "sidecar ≥ 50 % of nginx requests/s (wrk, loopback)", fmt(side, 0) + " vs "
        + fmt(ngx, 0) + " req/s; p99 " + ns(s.path("sidecar").path("p99_us").asDouble() * 1000)
        + " vs " + ns(s.path("nginx").path("p99_us").asDouble() * 1000), side >= 0.5 * ngx,
        fmt(100 * side / ngx, 0) + " % of nginx");
  }

  // ------------------------------------------------------------------ findings

  private void findings() throws IOException {
    // The source file when run from the repository root (so REPORT_ONLY=1 picks up edits without
    // a rebuild), else the copy in the jar.
    Path src = Path.of("jwks-cache-bench/src/main/resources/report/findings.md");
    if (Files.exists(src)) {
      line(Files.readString(src, StandardCharsets.UTF_8));
    } else {
      try (InputStream in = ReportMain.class.getResourceAsStream("/report/findings.md")) {
        if (in != null) {
          line(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    line("---\n");
    line("_Report written " + ZonedDateTime.now(ZoneOffset.UTC).format(
        DateTimeFormatter.ISO_OFFSET_DATE_TIME) + " from `" + dir + "`; files: "
        + Arrays.toString(dir.toFile().list((d, n) -> n.endsWith(".json"))) + "._");
  }
}
