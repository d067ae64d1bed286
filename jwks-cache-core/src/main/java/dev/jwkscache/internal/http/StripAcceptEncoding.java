package dev.jwkscache.internal.http;

import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Network interceptor that removes the placeholder {@code Accept-Encoding} header set by
 * {@link JwksRequests}: by then OkHttp has already decided not to negotiate gzip, and the
 * request leaves with no Accept-Encoding at all.
 */
final class StripAcceptEncoding implements Interceptor {
  static final StripAcceptEncoding INSTANCE = new StripAcceptEncoding();

  private StripAcceptEncoding() {
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    if (chain.request().header("Accept-Encoding") == null) {
      return chain.proceed(chain.request());
    }
    return chain.proceed(chain.request().newBuilder().removeHeader("Accept-Encoding").build());
  }
}
