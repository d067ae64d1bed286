package dev.jwkscache.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar jwks-cache-server.jar serve|demo|inspect ...}. */
@Command(name = "jwks-cache-server", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "A multi-tenant JWKS cache as a sidecar: HTTP API, Prometheus metrics, demo,"
        + " inspect.",
    subcommands = {ServeCommand.class, DemoCommand.class, InspectCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code. */
  public static int run(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  /** Runs a command line with its output captured (tests). */
  public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    return new CommandLine(new Main()).setOut(out).setErr(err).execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "Missing command: serve, demo or inspect");
  }

  /** The version from the build. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"jwks-cache-server " + version(),
          "Java " + System.getProperty("java.version")};
    }

    public static String version() {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream(
          "/jwks-cache-server-version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // fall through
      }
      return p.getProperty("version", "unknown");
    }
  }
}
