package dev.jwkscache.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} from PATH for tests: loopback only, a free port, no persistence
 * ({@code --save "" --appendonly no}), its own scratch directory. Can be killed, restarted on the
 * same port, paused and resumed.
 */
final class RedisServer implements AutoCloseable {
  private final Path executable;
  private final Path dir;
  private final int port;
  private Process process;

  private RedisServer(Path executable, Path dir, int port) {
    this.executable = executable;
    this.dir = dir;
    this.port = port;
  }

  /** The {@code redis-server} on PATH, if any. */
  static Optional<Path> findExecutable() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String entry : path.split(java.io.File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(entry, "redis-server");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Starts a server on a free loopback port. */
  static RedisServer start(Path executable) throws IOException, InterruptedException {
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      RedisServer server = new RedisServer(executable, Files.createTempDirectory("redis-test-"),
          freePort());
      try {
        server.startProcess();
        return server;
      } catch (IOException e) { // most likely the port was taken in between
        server.close();
        last = e;
      }
    }
    throw last;
  }

  /** A loopback port nothing listens on (at the time of the call). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** SIGKILL, as a crash would. */
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  /** Starts again on the same port (after {@link #kill}). */
  void restart() throws IOException, InterruptedException {
    if (isRunning()) {
      throw new IllegalStateException("still running");
    }
    startProcess();
  }

  /** SIGSTOP: the port stays open, nothing answers. */
  void pause() throws IOException, InterruptedException {
    signal("-STOP");
  }

  /** SIGCONT. */
  void resume() throws IOException, InterruptedException {
    signal("-CONT");
  }

  private void signal(String sig) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", sig, Long.toString(pid())).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("kill " + sig + " " + pid() + " failed");
    }
  }

  private void startProcess() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(executable.toString(),
        "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no",
        "--loglevel", "warning"));
    Path log = dir.resolve("redis.log");
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        String out = Files.exists(log) ? Files.readString(log) : "";
        process = null;
        throw new IOException("redis-server exited at start on port " + port + ": " + out);
      }
      if (ping()) {
        return;
      }
      Thread.sleep(20);
    }
    kill();
    throw new IOException("redis-server did not answer PING on port " + port + " within 15 s");
  }

  private boolean ping() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[7];
      int n = in.readNBytes(buf, 0, 7);
      return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      if (process != null) {
        resume(); // a paused server ignores SIGTERM until resumed
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
        process = null;
      }
    } catch (IOException | InterruptedException e) {
      if (process != null) {
        process.destroyForcibly();
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // scratch files only
    }
  }
}
