#!/usr/bin/env bash
# Runs every jwks-cache benchmark and scenario side by side with Nimbus JOSE+JWT and Auth0
# jwks-rsa, then rewrites BENCHMARKS.md at the repository root. One command, about 13-14 minutes on
# 2 cores with the short settings below. Each step runs in its own JVM; a step that fails is
# logged and its section of the report says "no results", the rest still runs.
#
# Environment overrides (defaults in brackets):
#   JMH_HIT       JMH options of HitBenchmark             [-f 1 -wi 2 -w 1s -i 5 -r 1s]
#   JMH_PARSE     JMH options of ParseBenchmark           [-f 1 -wi 1 -w 500ms -i 2 -r 500ms]
#   JMH_OTHER     JMH options of Refresh/SlowPath         [-f 1 -wi 2 -w 1s -i 3 -r 1s]
#   SCALE_PAIRS   pairs of ours and the baselines         [100000]
#   PEER_PAIRS    pairs of Nimbus and Auth0               [100000]
#   IDLE_SECONDS  idle CPU window of ours at scale        [60]
#   OUTAGE_SECONDS  length of each outage run             [10]
#   PERSIST_PAIRS   pairs of the persistence benchmark    [10000]
#   SIDECAR_SECONDS wrk duration per target (after a 3 s warm-up) [10]
#   RESULTS       where results and logs go               [jwks-cache-bench/target/bench-results]
#   SKIP_BUILD=1  reuse jwks-cache-bench/target/benchmarks.jar
#   REPORT_ONLY=1 only regenerate BENCHMARKS.md from RESULTS
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JMH_HIT=${JMH_HIT:--f 1 -wi 2 -w 1s -i 5 -r 1s}
JMH_PARSE=${JMH_PARSE:--f 1 -wi 1 -w 500ms -i 2 -r 500ms}
JMH_OTHER=${JMH_OTHER:--f 1 -wi 2 -w 1s -i 3 -r 1s}
SCALE_PAIRS=${SCALE_PAIRS:-100000}
PEER_PAIRS=${PEER_PAIRS:-100000}
IDLE_SECONDS=${IDLE_SECONDS:-60}
OUTAGE_SECONDS=${OUTAGE_SECONDS:-10}
PERSIST_PAIRS=${PERSIST_PAIRS:-10000}
SIDECAR_SECONDS=${SIDECAR_SECONDS:-10}
RESULTS=${RESULTS:-jwks-cache-bench/target/bench-results}
JAR=jwks-cache-bench/target/benchmarks.jar
QUIET=-Dorg.slf4j.simpleLogger.defaultLogLevel=warn

START=$(date +%s)
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

if [[ "${REPORT_ONLY:-0}" != 1 ]]; then
  rm -rf "$RESULTS"
  mkdir -p "$RESULTS/logs"

  if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building $JAR"
    MODULES=jwks-cache-bench
    [[ -d jwks-cache-server ]] && MODULES=jwks-cache-server,jwks-cache-bench
    mvn -B -q -Pbench -pl "$MODULES" -am package -DskipTests \
      > "$RESULTS/logs/build.log" 2>&1 || { cat "$RESULTS/logs/build.log"; exit 1; }
  fi

  # What the report says about the machine and this run.
  uptime > "$RESULTS/load-start.txt"
  date -u '+%Y-%m-%d %H:%M UTC' > "$RESULTS/date.txt"
  git rev-parse --short HEAD > "$RESULTS/git-rev.txt" 2>/dev/null || echo unknown > "$RESULTS/git-rev.txt"
  grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //' > "$RESULTS/cpu.txt"
  awk '/MemTotal/ {printf "%.1f GiB\n", $2/1048576}' /proc/meminfo > "$RESULTS/mem.txt"
  uname -srm > "$RESULTS/os.txt"
  (redis-server --version 2>/dev/null | awk '{print $3}' | sed 's/v=//') > "$RESULTS/redis-version.txt"
  cat > "$RESULTS/settings.txt" <<EOF
JMH hit:      $JMH_HIT -t 1 and -t 2, -prof gc
JMH parse:    $JMH_PARSE -prof gc
JMH refresh, slow paths: $JMH_OTHER (slow paths with -prof gc)
scale:        ours and baselines $SCALE_PAIRS pairs, Nimbus and Auth0 $PEER_PAIRS pairs, idle window ${IDLE_SECONDS} s
outage:       8 threads, ${OUTAGE_SECONDS} s per run
storm:        4 threads, 20000 unknown kids over 5 s, short cooldown 1 s
stampede:     256 callers, upstream latency 200 ms, 3 rounds
persistence:  $PERSIST_PAIRS pairs, 3 rounds
sidecar:      wrk -t2 -c64 -d${SIDECAR_SECONDS}s --latency, after 3 s of warm-up, against the server and nginx
EOF

  # The highest 1-minute load average seen, sampled every 5 s while the run lasts.
  echo 0 > "$RESULTS/load-max.txt"
  ( while true; do
      l=$(cut -d' ' -f1 /proc/loadavg)
      m=$(cat "$RESULTS/load-max.txt")
      awk -v l="$l" -v m="$m" 'BEGIN { exit !(l > m) }' && echo "$l" > "$RESULTS/load-max.txt"
      sleep 5
    done ) &
  SAMPLER=$!
  trap 'kill $SAMPLER 2>/dev/null' EXIT

  step() { # step NAME TIMEOUT_SECONDS command...
    local name=$1 limit=$2; shift 2
    log "$name"
    if ! timeout "$limit" "$@" > "$RESULTS/logs/$name.log" 2>&1; then
      log "  $name FAILED (see $RESULTS/logs/$name.log)"
      tail -5 "$RESULTS/logs/$name.log"
    fi
  }
  jmh() { # jmh NAME TIMEOUT REGEX options...
    local name=$1 limit=$2 regex=$3; shift 3
    step "$name" "$limit" java -jar "$JAR" "$regex" "$@" -rf json -rff "$RESULTS/$name.json"
  }
  scenario() { # scenario NAME TIMEOUT JVM-OPTIONS -- ARGS...
    local name=$1 limit=$2; shift 2
    local jvm=()
    while [[ $1 != -- ]]; do jvm+=("$1"); shift; done
    shift
    step "$name" "$limit" java "${jvm[@]}" $QUIET -cp "$JAR" \
      dev.jwkscache.bench.scenario.ScenarioMain "$@" --out="$RESULTS/$name.json"
  }

  # 1. hit
  jmh jmh-hit-t1 300 'dev.jwkscache.bench.HitBenchmark' $JMH_HIT -t 1 -prof gc
  jmh jmh-hit-t2 300 'dev.jwkscache.bench.HitBenchmark' $JMH_HIT -t 2 -prof gc
  # 5. parse, refresh, slow paths
  jmh jmh-parse 300 'dev.jwkscache.bench.ParseBenchmark' $JMH_PARSE -prof gc
  jmh jmh-refresh 120 'dev.jwkscache.bench.RefreshBenchmark' $JMH_OTHER
  jmh jmh-slowpath 120 'dev.jwkscache.bench.SlowPathBenchmark' $JMH_OTHER -prof gc
  # 2-4
  scenario stampede 120 -Xmx1g -- stampede
  scenario outage 300 -Xmx1g -- outage --seconds="$OUTAGE_SECONDS"
  scenario storm 200 -Xmx1g -- storm
  # 6. scale, one JVM per contender
  scenario scale-ours 400 -Xms4g -Xmx4g -XX:+UseParallelGC -- scale --contender=ours \
    --pairs="$SCALE_PAIRS" --idle-seconds="$IDLE_SECONDS"
  for c in baseline baseline-jwk-only; do
    scenario "scale-$c" 200 -Xms4g -Xmx4g -XX:+UseParallelGC -- scale --contender=$c \
      --pairs="$SCALE_PAIRS"
  done
  for c in nimbus-defaults auth0; do
    scenario "scale-$c" 300 -Xms4g -Xmx4g -XX:+UseParallelGC -- scale --contender=$c \
      --pairs="$PEER_PAIRS"
  done
  # issue 5: persistence
  scenario persistence 300 -Xmx2g -- persistence --pairs="$PERSIST_PAIRS" \
    --work-dir=jwks-cache-bench/target/bench-work

  # 7. sidecar vs nginx with wrk (Debian packages wrk and nginx); needs module jwks-cache-server.
  run_sidecar() {
    if [[ ! -f jwks-cache-server/target/jwks-cache-server.jar ]]; then
      echo "Module jwks-cache-server is not built (not on this branch), so there is nothing to measure." > "$RESULTS/sidecar.txt"
    elif ! command -v wrk > /dev/null || ! command -v nginx > /dev/null; then
      echo "wrk or nginx is missing (apt-get install wrk nginx)." > "$RESULTS/sidecar.txt"
    else
      scenario sidecar 180 -Xmx512m -- sidecar --seconds="$SIDECAR_SECONDS" \
        --work-dir=jwks-cache-bench/target/bench-work
    fi
  }
  run_sidecar

  uptime > "$RESULTS/load-end.txt"
  kill $SAMPLER 2>/dev/null
  END=$(date +%s)
  echo "$(( (END - START) / 60 )) min $(( (END - START) % 60 )) s" > "$RESULTS/duration.txt"
fi

log "writing BENCHMARKS.md"
java -cp "$JAR" dev.jwkscache.bench.report.ReportMain --results="$RESULTS" --out=BENCHMARKS.md
log "done in $(( $(date +%s) - START )) s"
