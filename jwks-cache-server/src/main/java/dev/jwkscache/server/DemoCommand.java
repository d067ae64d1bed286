package dev.jwkscache.server;

import ch.qos.logback.classic.Level;
import dev.jwkscache.server.demo.Demo;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code demo}: the offline tour; exit code 0 only when every step worked. */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"Run the offline demo: a local HTTPS identity provider, three tenants, JWT"
        + " verification, key rotation, stale-while-error, statuses, metrics, warm restart."},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:every step worked", "1:a step failed (it says which)"})
final class DemoCommand implements Callable<Integer> {
  @Option(names = {"-v", "--verbose"}, description = "Show the library's log lines (stderr).")
  boolean verbose;

  @Option(names = "--keep-snapshots", description = "Keep the demo's snapshot directory.")
  boolean keepSnapshots;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
          org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.ERROR);
    }
    return new Demo(System.out, keepSnapshots).run() ? 0 : 1;
  }
}
