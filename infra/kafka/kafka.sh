#!/usr/bin/env bash
# A single-node KRaft Kafka 3.9.1 broker from Maven Central jars, no Docker.
#   bash infra/kafka/kafka.sh up|down|status
# Environment:
#   KAFKA_PORT             client port on 127.0.0.1 (default 9092)
#   KAFKA_CONTROLLER_PORT  controller port (default KAFKA_PORT+1)
#   LOGBOOK_CACHE_DIR      cache root outside git (default ~/.cache/logbook)
#   KAFKA_DATA_DIR         broker data, config, log and pid (default <cache>/kafka-3.9.1/data-<port>)
#   KAFKA_START_TIMEOUT    seconds `up` waits for the broker (default 90)
# See infra/kafka/README.md for what was confirmed on this machine.
set -euo pipefail

KAFKA_VERSION=3.9.1
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
CACHE="${LOGBOOK_CACHE_DIR:-$HOME/.cache/logbook}/kafka-${KAFKA_VERSION}"
JARS="$CACHE/jars"
DATA="${KAFKA_DATA_DIR:-$CACHE/data-$PORT}"
PID_FILE="$DATA/kafka.pid"
LOG_FILE="$DATA/kafka.log"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
# Fixed 22-character cluster id (testcontainers' DEFAULT_CLUSTER_ID): the data dir is formatted
# once and `--ignore-formatted` makes later `up`s reuse it.
CLUSTER_ID="4L6g3nShT-eMCtK--X86sw"

say() { echo "[kafka] $*"; }

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch_jars() {
  if [[ -f "$JARS/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || { say "mvn not found: install Maven (and a JDK 17+)"; exit 1; }
  say "resolving Kafka $KAFKA_VERSION jars from Maven Central into $JARS"
  rm -rf "$JARS" && mkdir -p "$JARS"
  mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DoutputDirectory="$JARS" -DincludeScope=runtime
  touch "$JARS/.complete"
  say "$(ls "$JARS"/*.jar | wc -l) jars ready"
}

write_config() {
  mkdir -p "$DATA/logs"
  cat >"$DATA/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA/logs
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
auto.create.topics.enable=true
EOF
  cat >"$DATA/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
log4j.logger.state.change.logger=WARN
EOF
}

format_storage() {
  say "formatting storage in $DATA/logs (cluster $CLUSTER_ID)"
  java -Dlog4j.configuration="file:$DATA/log4j.properties" -cp "$JARS/*" kafka.tools.StorageTool \
    format -t "$CLUSTER_ID" -c "$DATA/server.properties" --ignore-formatted >>"$LOG_FILE" 2>&1 \
    || { say "storage format failed:"; tail -n 40 "$LOG_FILE"; exit 1; }
}

up() {
  local pid
  if pid="$(running_pid)"; then
    say "already running (pid $pid) on 127.0.0.1:$PORT"
    return 0
  fi
  if port_open "$PORT"; then
    say "port $PORT is taken by another process; set KAFKA_PORT"
    exit 1
  fi
  command -v java >/dev/null || { say "java not found: install a JDK 17+"; exit 1; }
  fetch_jars
  write_config
  : >"$LOG_FILE"
  format_storage
  say "starting broker on 127.0.0.1:$PORT (controller $CONTROLLER_PORT), data $DATA"
  # Flags from bin/kafka-run-class.sh, heap smaller than the script's 1G.
  # Its own session, so the broker outlives the shell (or npm) that started it and a signal
  # to that shell's process group does not reach it; the pid file is written by the process
  # that then execs java, so it is java's pid.
  rm -f "$PID_FILE"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    java -Xms256m -Xmx512m -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$DATA/log4j.properties" -Dkafka.logs.dir="$DATA" \
    -cp "$JARS/*" kafka.Kafka "$DATA/server.properties" >>"$LOG_FILE" 2>&1 </dev/null &
  local waited=0
  while [[ ! -s "$PID_FILE" ]] && ((waited < 50)); do sleep 0.1; waited=$((waited + 1)); done
  pid="$(cat "$PID_FILE")"
  local deadline=$((SECONDS + TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "broker exited during start-up; last log lines ($LOG_FILE):"
      tail -n 40 "$LOG_FILE"
      rm -f "$PID_FILE"
      exit 1
    fi
    if grep -q "Kafka Server started" "$LOG_FILE" && port_open "$PORT"; then
      say "ready on 127.0.0.1:$PORT (pid $pid) after $((SECONDS + TIMEOUT - deadline))s"
      return 0
    fi
    sleep 0.5
  done
  say "broker not ready after ${TIMEOUT}s; last log lines ($LOG_FILE):"
  tail -n 40 "$LOG_FILE"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  exit 1
}

down() {
  local pid
  if ! pid="$(running_pid)"; then
    say "not running on port $PORT"
    rm -f "$PID_FILE"
    return 0
  fi
  say "stopping broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  # A controlled shutdown of a single node takes a few seconds; then force it.
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.3; done
  if kill -0 "$pid" 2>/dev/null; then
    say "still alive after 30s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  say "stopped"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open "$PORT"; then say "running (pid $pid) on 127.0.0.1:$PORT, data $DATA"; else say "process $pid alive but port $PORT closed"; return 1; fi
  else
    say "not running on port $PORT"
    return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
