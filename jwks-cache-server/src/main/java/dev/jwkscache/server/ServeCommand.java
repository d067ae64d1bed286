package dev.jwkscache.server;

import dev.jwkscache.server.config.ConfigException;
import dev.jwkscache.server.config.ConfigLoader;
import dev.jwkscache.server.config.ServerConfig;
import dev.jwkscache.server.http.SidecarServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code serve --config FILE}: runs the sidecar until SIGTERM or SIGINT, then stops accepting,
 * finishes running requests, writes every snapshot and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"Run the sidecar server.",
        "Environment overrides: JWKS_CACHE_HOST, JWKS_CACHE_PORT, JWKS_CACHE_ADMIN_TOKEN,"
            + " JWKS_CACHE_REDIS_URI, JWKS_CACHE_SEAL_KEY."},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:stopped by SIGTERM/SIGINT after writing snapshots",
        "2:bad command line", "3:bad configuration (the message names the key path)",
        "4:could not start (port in use, ...)"})
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
      description = "YAML configuration (see examples/jwks-cache.yaml).")
  Path config;

  @Override
  public Integer call() {
    ServerConfig cfg;
    try {
      cfg = ConfigLoader.load(config, System.getenv());
    } catch (ConfigException e) {
      System.err.println("Configuration error in " + config + " at " + e.getMessage());
      return 3;
    }
    SidecarServer server;
    try {
      server = SidecarServer.start(cfg);
    } catch (ConfigException e) {
      System.err.println("Configuration error in " + config + " at " + e.getMessage());
      return 3;
    } catch (RuntimeException e) {
      System.err.println("Cannot start: " + e.getMessage());
      return 4;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM and SIGINT run shutdown hooks: stop cleanly, then end with 0, not 143/130.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("Signal received: stopping");
      server.stop();
      stopped.countDown();
      Runtime.getRuntime().halt(0);
    }, "jwks-cache-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.stop();
    }
    return 0;
  }
}
