package dev.jwkscache.internal.http;

import dev.jwkscache.InvalidJwksException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import okhttp3.Call;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;

/**
 * Reads response bodies with a hard byte limit, so memory stays bounded whatever the upstream
 * sends. A declared Content-Length over the limit is refused before reading; otherwise at most
 * limit + 1 bytes are read, and the call is cancelled as soon as the limit is passed, so the
 * connection is dropped instead of drained.
 */
final class BoundedBody {
  /** Bytes read from an error response for its excerpt. */
  static final int EXCERPT_BYTES = 1024;
  /** Characters kept in an excerpt. */
  static final int EXCERPT_CHARS = 200;
  private static final long READ_CHUNK = 8192;
  /** The largest body a byte array can hold. */
  private static final long ARRAY_LIMIT = Integer.MAX_VALUE - 16;

  private BoundedBody() {
  }

  /**
   * The whole body, at most {@code maxBytes} long.
   *
   * @throws InvalidJwksException when the body is (or says it is) longer than {@code maxBytes}
   * @throws IOException when reading fails
   */
  static byte[] read(Call call, ResponseBody body, long maxBytes, String url) throws IOException {
    long cap = Math.min(maxBytes, ARRAY_LIMIT);
    long declared = body.contentLength();
    if (declared > cap) {
      call.cancel();
      throw tooLarge(url, maxBytes, "it declares Content-Length: " + declared);
    }
    BufferedSource source = body.source();
    Buffer buffer = new Buffer();
    long limit = cap + 1;
    while (buffer.size() < limit) {
      long n = source.read(buffer, Math.min(READ_CHUNK, limit - buffer.size()));
      if (n == -1) {
        return buffer.readByteArray();
      }
    }
    call.cancel();
    buffer.clear();
    throw tooLarge(url, maxBytes, "its body is longer (reading stopped there)");
  }

  /**
   * A short, sanitised excerpt of an error body, read within {@code maxBytes}. Never throws: an
   * excerpt that cannot be read is empty, the status is what matters.
   */
  static String excerpt(Call call, ResponseBody body, long maxBytes) {
    long limit = Math.min(maxBytes, EXCERPT_BYTES);
    Buffer buffer = new Buffer();
    try {
      BufferedSource source = body.source();
      while (buffer.size() < limit) {
        if (source.read(buffer, limit - buffer.size()) == -1) {
          break;
        }
      }
      if (buffer.size() >= limit) {
        call.cancel(); // more may follow: drop the connection rather than drain it
      }
    } catch (IOException | RuntimeException e) {
      call.cancel();
    }
    return Sanitizer.printable(buffer.readString(StandardCharsets.UTF_8), EXCERPT_CHARS);
  }

  private static InvalidJwksException tooLarge(String url, long maxBytes, String detail) {
    return new InvalidJwksException(url, "The response from " + url
        + " is larger than max_response_bytes (" + maxBytes + " bytes): " + detail
        + "; raise the registration's max_response_bytes if the provider's key set is really"
        + " this large.");
  }
}
