package dev.jwkscache.internal.http;

import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Network interceptor that rewrites a delta-seconds {@code Retry-After} too large for an
 * {@code int} to {@value #INT_MAX}. OkHttp reads the header of every 503 itself (to decide
 * whether to repeat the request at once) with {@code Integer.valueOf}, which throws on a value
 * such as {@code 99999999999999999999}: a hostile server could turn its 503 into an unexpected
 * exception instead of the status error it is. The clamped value means the same to us: any delay
 * that long is capped by {@link RetryAfter} anyway.
 */
final class ClampRetryAfter implements Interceptor {
  static final ClampRetryAfter INSTANCE = new ClampRetryAfter();
  private static final String INT_MAX = "2147483647";

  private ClampRetryAfter() {
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Response response = chain.proceed(chain.request());
    String value = response.header("Retry-After");
    if (value == null || !overflowsInt(value.trim())) {
      return response;
    }
    return response.newBuilder().header("Retry-After", INT_MAX).build();
  }

  /** True for an all-digit value greater than {@code Integer.MAX_VALUE}. */
  static boolean overflowsInt(String v) {
    if (v.isEmpty()) {
      return false;
    }
    int start = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      if (c == '0' && start == i) {
        start++;
      }
    }
    String digits = v.substring(start);
    return digits.length() > INT_MAX.length()
        || (digits.length() == INT_MAX.length() && digits.compareTo(INT_MAX) > 0);
  }
}
