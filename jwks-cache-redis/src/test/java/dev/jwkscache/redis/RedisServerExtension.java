package dev.jwkscache.redis;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test that asks for a {@link RedisServer} parameter its own freshly started
 * {@code redis-server}, stopped after the test. Without {@code redis-server} on PATH the tests
 * are skipped with a message, except when the environment says {@code CI=true}: there a missing
 * server fails them, so that CI can never pass by skipping.
 */
final class RedisServerExtension implements ExecutionCondition, ParameterResolver {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(RedisServerExtension.class);

  static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (RedisServer.findExecutable().isPresent()) {
      return ConditionEvaluationResult.enabled("redis-server found on PATH");
    }
    if (inCi()) {
      // enabled, so that parameter resolution fails the tests loudly
      return ConditionEvaluationResult.enabled("CI=true: a missing redis-server must fail");
    }
    return ConditionEvaluationResult.disabled("Redis tests skipped: redis-server is not on PATH."
        + " Install it (Debian/Ubuntu: apt-get install -y redis-server) to run them; with CI=true"
        + " they fail instead of skipping.");
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == RedisServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    Optional<Path> exe = RedisServer.findExecutable();
    if (exe.isEmpty()) {
      throw new ParameterResolutionException("redis-server is not on PATH and CI=true: the Redis"
          + " tests must run in CI. Install it with: apt-get install -y redis-server");
    }
    try {
      RedisServer server = RedisServer.start(exe.get());
      // JUnit closes AutoCloseable store values when the test's context ends
      e.getStore(NS).put(new Object(), server);
      return server;
    } catch (Exception ex) {
      throw new ParameterResolutionException("Could not start redis-server: " + ex, ex);
    }
  }
}
