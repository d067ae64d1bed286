package dev.jwkscache.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import okio.BufferedSink;

/**
 * A huge response body produced lazily (the start of a JWKS, then spaces), counting what the
 * server managed to write and recording whether the client dropped the connection first. With
 * {@code chunked} the body writes its own chunk framing (see {@link #chunkedResponse}).
 */
public final class FloodBody implements MockResponseBody {
  private static final byte[] OPENING = "{\"keys\":[".getBytes(StandardCharsets.UTF_8);

  private final long total;
  private final boolean chunked;
  public final AtomicLong written = new AtomicLong();
  public final AtomicReference<IOException> failure = new AtomicReference<>();
  public final CountDownLatch finished = new CountDownLatch(1);

  public FloodBody(long total, boolean chunked) {
    this.total = total;
    this.chunked = chunked;
  }

  /** A response sending this flood with chunked framing. */
  public static MockResponse chunkedResponse(FloodBody flood, int code) {
    return new MockResponse.Builder().code(code).body(flood).removeHeader("Content-Length")
        .addHeader("Transfer-Encoding", "chunked").build();
  }

  @Override
  public long getContentLength() {
    return chunked ? -1 : total;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    byte[] block = new byte[16 * 1024];
    Arrays.fill(block, (byte) ' ');
    System.arraycopy(OPENING, 0, block, 0, OPENING.length);
    try {
      while (written.get() < total) {
        int n = (int) Math.min(block.length, total - written.get());
        if (chunked) {
          sink.writeHexadecimalUnsignedLong(n).writeUtf8("\r\n");
        }
        sink.write(block, 0, n);
        if (chunked) {
          sink.writeUtf8("\r\n");
        }
        sink.flush();
        written.addAndGet(n);
        Arrays.fill(block, 0, OPENING.length, (byte) ' ');
      }
      if (chunked) {
        sink.writeUtf8("0\r\n\r\n").flush();
      }
    } catch (IOException e) {
      failure.set(e);
      throw e;
    } finally {
      finished.countDown();
    }
  }
}
