package dev.jwkscache.bench.scenario;

import dev.jwkscache.bench.harness.Results;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs one scenario and writes its figures as JSON:
 * {@code java -cp benchmarks.jar dev.jwkscache.bench.scenario.ScenarioMain NAME --out=FILE
 * [--option=value...]}, NAME one of stampede, outage, storm, scale, persistence, sidecar.
 */
public final class ScenarioMain {
  private ScenarioMain() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: ScenarioMain stampede|outage|storm|scale|persistence|sidecar "
          + "--out=FILE [--option=value...]");
      System.exit(2);
    }
    long t0 = System.nanoTime();
    Map<String, Object> result = switch (args[0]) {
      case "stampede" -> StampedeScenario.run(args);
      case "outage" -> OutageScenario.run(args);
      case "storm" -> StormScenario.run(args);
      case "scale" -> ScaleScenario.run(args);
      case "persistence" -> PersistenceScenario.run(args);
      case "sidecar" -> SidecarScenario.run(args);
      default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
    };
    result.put("scenario_seconds", (System.nanoTime() - t0) / 1e9);
    Results.write(Path.of(Results.arg(args, "out", args[0] + ".json")), result);
    System.exit(0);
  }
}
