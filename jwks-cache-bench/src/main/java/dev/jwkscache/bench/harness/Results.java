package dev.jwkscache.bench.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Scenario results as JSON for the report writer, and small statistics helpers. */
public final class Results {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);

  private Results() {
  }

  public static void write(Path file, Object value) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    JSON.writeValue(file.toFile(), value);
    System.out.println("wrote " + file);
  }

  public static Map<String, Object> obj() {
    return new LinkedHashMap<>();
  }

  /** min / median / max / every value, of a few repeated measurements. */
  public static Map<String, Object> spread(List<? extends Number> values) {
    double[] v = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
    Map<String, Object> m = obj();
    m.put("min", v[0]);
    m.put("median", v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2);
    m.put("max", v[v.length - 1]);
    m.put("values", new ArrayList<>(values));
    return m;
  }

  /** Percentile of an unsorted sample (sorted in place). */
  public static long percentile(long[] sample, double p) {
    Arrays.sort(sample);
    int i = (int) Math.ceil(p / 100.0 * sample.length) - 1;
    return sample[Math.max(0, Math.min(sample.length - 1, i))];
  }

  /** A command-line option {@code --name=value} or a default. */
  public static String arg(String[] args, String name, String def) {
    for (String a : args) {
      if (a.startsWith("--" + name + "=")) {
        return a.substring(name.length() + 3);
      }
    }
    return def;
  }
}
