package dev.jwkscache.bench.harness;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system UTC clock plus an offset that a scenario can move forward: "let 61 seconds pass"
 * without waiting for them. Everything after a jump runs in real time again.
 */
public final class ShiftableClock extends Clock {
  private volatile long offsetMillis;

  public void advance(Duration d) {
    offsetMillis += d.toMillis();
  }

  @Override
  public long millis() {
    return System.currentTimeMillis() + offsetMillis;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
