package dev.jwkscache.bench.harness;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * A latency recording in nanoseconds (HdrHistogram, 3 significant digits, up to one hour), one
 * per thread, merged at the end. Timing uses {@code System.nanoTime()} around each call, which
 * itself costs some tens of nanoseconds here: the same for every contender.
 */
public final class Latencies {
  private final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
  private long failures;

  public void record(long nanos) {
    histogram.recordValue(Math.max(0, Math.min(nanos, 3_600_000_000_000L)));
  }

  public void fail() {
    failures++;
  }

  public long failures() {
    return failures;
  }

  public long count() {
    return histogram.getTotalCount();
  }

  public void add(Latencies other) {
    histogram.add(other.histogram);
    failures += other.failures;
  }

  public long percentile(double p) {
    return histogram.getValueAtPercentile(p);
  }

  public long max() {
    return histogram.getMaxValue();
  }

  /** Counts lookups slower than this many nanoseconds. */
  public long countAbove(long nanos) {
    long n = 0;
    for (var v : histogram.recordedValues()) {
      if (v.getValueIteratedTo() > nanos) {
        n += v.getCountAtValueIteratedTo();
      }
    }
    return n;
  }

  /** count, failures, p50/p90/p99/p99.9/max in ns. */
  public Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", count());
    m.put("failures", failures);
    m.put("p50_ns", percentile(50));
    m.put("p90_ns", percentile(90));
    m.put("p99_ns", percentile(99));
    m.put("p999_ns", percentile(99.9));
    m.put("max_ns", max());
    return m;
  }
}
