package dev.jwkscache.bench.harness;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A throw-away redis-server on a free loopback port, no persistence. */
public final class RedisServer implements AutoCloseable {
  private final Process process;
  private final int port;

  public RedisServer(File log) throws IOException, InterruptedException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    process = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind",
        "127.0.0.1", "--save", "", "--appendonly", "no")
        .redirectErrorStream(true)
        .redirectOutput(log)
        .start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      if (ping()) {
        return;
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroy();
        throw new IOException("redis-server did not start on port " + port + "; see " + log);
      }
      Thread.sleep(50);
    }
  }

  private boolean ping() {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[16];
      int n = in.read(buf);
      return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}
