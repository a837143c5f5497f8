#!/usr/bin/env bash
# The local service stack of findoc (DESIGN.md §4): every service the CLI's defaults point at, on loopback,
# without Docker.
#
#   service     address           what runs it
#   kafka       127.0.0.1:9092    Apache Kafka 4.x, single node KRaft (controller on 127.0.0.1:9093), from
#                                 Maven Central jars (stack/kafka/pom.xml) on the machine's Java 17+
#   s3proxy     127.0.0.1:9000    S3Proxy from Maven Central (stack/s3proxy/pom.xml), filesystem backend
#   postgresql  127.0.0.1:5432    Debian's PostgreSQL; started only if nothing answers on the port
#   redis       127.0.0.1:6379    Debian's Redis; started only if nothing answers on the port
#
# usage: bash stack/stack.sh up|down|status|fetch|reset
#   up      start what is not running (idempotent, bounded waits); ensure database `findoc` exists
#   down    stop what `up` started (by PID), nothing else: a PostgreSQL/Redis that was already running stays
#   status  one line per service; exit 0 when all four answer, else 1
#   fetch   only resolve the Kafka and S3Proxy classpaths (Maven) into .stack/
#   reset   stop our Kafka and S3Proxy and delete their data (topics, offsets, buckets); jars are kept
#
# State lives in .stack/ at the repository root (git-ignored): classpaths, data, pid files, logs.
# Every service this script starts has its PID in .stack/pids/<service>.pid; `down` stops only those.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/stack"
# The FINDOC_STACK_* overrides exist to test this script's start paths next to a running PostgreSQL/Redis
# (another state dir, a second cluster, other ports); the CLI's defaults assume the standard values.
STATE="${FINDOC_STACK_DIR:-$ROOT/.stack}"
PIDS="$STATE/pids"
LOGS="$STATE/logs"

KAFKA_HOST=127.0.0.1 KAFKA_PORT=9092 KAFKA_CONTROLLER_PORT=9093
S3_HOST=127.0.0.1 S3_PORT=9000
PG_HOST=127.0.0.1 PG_PORT=${FINDOC_STACK_PG_PORT:-5432} PG_CLUSTER=${FINDOC_STACK_PG_CLUSTER:-main} PG_DATABASE=findoc
REDIS_HOST=127.0.0.1 REDIS_PORT=${FINDOC_STACK_REDIS_PORT:-6379}

# Bounded waits (seconds). Measured here (2 cores): Kafka ~3 s, S3Proxy ~2.5 s, PostgreSQL ~1 s.
KAFKA_WAIT=90 S3_WAIT=60 PG_WAIT=60 REDIS_WAIT=30 STOP_WAIT=30

# Same JVM flags as Kafka's kafka-run-class.sh / kafka-server-start.sh, with the 512 MB heap the notes size.
KAFKA_JVM_OPTS=(-Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true)
# Short-lived Kafka tools (StorageTool, TopicCommand): C1 only starts faster; logs at WARN to stderr.
KAFKA_TOOL_OPTS=(-Xmx256m -XX:TieredStopAtLevel=1 -Dfindoc.kafka.log.level=WARN -Dfindoc.kafka.log.target=SYSTEM_ERR)
S3_JVM_OPTS=(-Xms64m -Xmx512m -Djava.awt.headless=true)

# ---------------------------------------------------------------------------------------------- helpers

say() { printf 'stack: %s\n' "$*"; }
warn() { printf 'stack: %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
since() { local ms=$(($(now_ms) - $1)); printf '%d.%01ds' $((ms / 1000)) $((ms % 1000 / 100)); }

# fail SERVICE ADDRESS LOGFILE MESSAGE: the one way `up` reports a failure — which service, where it was
# expected, and the end of its log — then exits non-zero.
fail() {
  local svc=$1 addr=$2 logfile=$3 msg=$4
  {
    printf '\nstack: FAILED: %s (%s): %s\n' "$svc" "$addr" "$msg"
    if [[ -n $logfile ]]; then
      printf 'stack: log: %s\n' "$logfile"
      if [[ -s $logfile ]]; then
        printf -- '---- last 20 lines of %s ----\n' "$logfile"
        tail -n 20 "$logfile"
        printf -- '----\n'
      else
        printf 'stack: (log is empty or missing)\n'
      fi
    fi
  } >&2
  exit 1
}

# Port checks with bash's /dev/tcp (no nc on these machines), each attempt bounded by `timeout`.
port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# Any HTTP status counts: S3Proxy answers 403 to an anonymous GET /.
http_answers() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET / HTTP/1.0\r\nHost: %s:%s\r\n\r\n" "$0" "$1" >&3
    IFS= read -r line <&3 && [[ $line == HTTP/* ]]' "$1" "$2" 2>/dev/null
}

redis_pings() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r line <&3 && [[ $line == +PONG* ]]' "$1" "$2" 2>/dev/null
}

# What identifies each service's process in /proc/<pid>/cmdline, so a recycled PID is never signalled.
pid_marker() {
  case $1 in
    kafka) echo 'kafka.Kafka' ;;
    s3proxy) echo 'org.gaul.s3proxy.Main' ;;
    redis) echo 'redis-server' ;;
    postgresql) echo 'postgres' ;;
  esac
}

# managed_pid SERVICE: prints the PID and succeeds if we started SERVICE and it still runs; removes a
# stale pid file.
managed_pid() {
  local svc=$1 file="$PIDS/$1.pid" pid cmd
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
    if [[ $cmd == *"$(pid_marker "$svc")"* ]]; then
      echo "$pid"
      return 0
    fi
  fi
  rm -f "$file"
  return 1
}

as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    warn "needs root (or password-less sudo) for: $*"
    return 1
  fi
}

APT_UPDATED=
# apt_install PACKAGE...: Debian's packages, only called when a binary is absent.
apt_install() {
  command -v apt-get >/dev/null || { warn "apt-get not found: install $* by hand"; return 1; }
  say "installing Debian packages: $* (log: $LOGS/apt.log)"
  if [[ -z $APT_UPDATED ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update >>"$LOGS/apt.log" 2>&1 9>&- || return 1
    APT_UPDATED=1
  fi
  # fd 9 closed: a package's postinst may start a daemon, which must not inherit our lock.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$LOGS/apt.log" 2>&1 9>&-
}

# start_detached SERVICE LOGFILE COMMAND...: setsid + nohup so the service outlives this shell and its
# terminal; stdin from /dev/null (CI has none); fd 9 (our lock) closed, or the service would hold the
# lock for its whole life. setsid execs in place here (we are never a process-group
# leader inside a non-interactive script), so $! is the service's own PID.
start_detached() {
  local svc=$1 logfile=$2
  shift 2
  setsid nohup "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDS/$svc.pid"
}

# stop_pid SERVICE: TERM, bounded wait, then KILL; removes the pid file.
stop_pid() {
  local svc=$1 pid t0 i
  pid=$(managed_pid "$svc") || { rm -f "$PIDS/$svc.pid"; return 0; }
  t0=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_WAIT * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$svc (pid $pid) still running after ${STOP_WAIT}s: KILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PIDS/$svc.pid"
  say "$svc stopped (pid $pid, $(since "$t0"))"
}

rotate_log() { [[ -f $1 ]] && mv -f "$1" "$1.1"; return 0; }

# --------------------------------------------------------------------------------------- Java and Maven

JAVA=
find_java() {
  [[ -n $JAVA ]] && return 0
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    JAVA=$JAVA_HOME/bin/java
  elif command -v java >/dev/null; then
    JAVA=$(command -v java)
  else
    apt_install openjdk-17-jre-headless || fail java '-' "$LOGS/apt.log" 'no java on PATH and it could not be installed'
    JAVA=$(command -v java)
  fi
  local major
  major=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
  if [[ ! $major =~ ^[0-9]+$ ]] || ((major < 17)); then
    fail java "$JAVA" '' "Kafka 4.x and S3Proxy 4.x need Java 17 or newer, found '${major:-unknown}': set JAVA_HOME"
  fi
}

find_maven() {
  command -v mvn >/dev/null && return 0
  apt_install maven || fail maven '-' "$LOGS/apt.log" 'no mvn on PATH and it could not be installed'
}

# fetch SERVICE: resolve stack/SERVICE/pom.xml's runtime classpath into .stack/SERVICE/classpath.
# Skipped when the marker written after the last complete copy holds the POM's current hash, so a changed
# pin refetches and an interrupted copy is never mistaken for a complete one. Jars are cached in ~/.m2.
fetch() {
  local svc=$1 pom="$SRC/$1/pom.xml" dir="$STATE/$1/classpath" hash t0
  hash=$(sha256sum "$pom" | cut -d' ' -f1)
  if [[ -f $dir/.complete && $(<"$dir/.complete") == "$hash" ]]; then
    return 0
  fi
  find_maven
  t0=$(now_ms)
  say "$svc: fetching jars from Maven Central ($pom → ${dir#"$ROOT"/})"
  rm -rf "$dir"
  mkdir -p "$dir"
  # The plugin is pinned twice: in the POMs' pluginManagement and by full coordinates here.
  if ! mvn -q -B -Dstyle.color=never -f "$pom" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$dir" >"$LOGS/mvn-$svc.log" 2>&1; then
    fail "$svc" 'Maven Central' "$LOGS/mvn-$svc.log" 'could not resolve the classpath'
  fi
  echo "$hash" >"$dir/.complete"
  say "$svc: $(find "$dir" -name '*.jar' | wc -l) jars in $(since "$t0")"
}

# ---------------------------------------------------------------------------------------------- Kafka

# kafka_tool SECONDS MAIN-CLASS ARGS...: a Kafka tool from the broker's classpath, bounded in time.
kafka_tool() {
  local limit=$1
  shift
  timeout "$limit" "$JAVA" "${KAFKA_TOOL_OPTS[@]}" -Dlog4j2.configurationFile="$SRC/kafka/log4j2.properties" \
    -cp "$STATE/kafka/classpath/*" "$@"
}

# A Kafka cluster id is 16 random bytes in URL-safe base64 without padding (what `StorageTool
# random-uuid` prints); made here to save a JVM start, once, and kept in .stack/kafka/cluster.id.
new_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ $id != -* ]] && { echo "$id"; return; } # Kafka avoids ids that look like a command-line flag
  done
}

KAFKA_STARTED=
kafka_start() {
  local addr="$KAFKA_HOST:$KAFKA_PORT" log="$LOGS/kafka.log" dir="$STATE/kafka" pid
  if pid=$(managed_pid kafka); then
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      say "kafka: already running (pid $pid) on $addr"
    else
      say "kafka: running (pid $pid) but not answering yet on $addr: waiting"
      KAFKA_STARTED=$(now_ms)
    fi
    return 0
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    say "kafka: already running on $addr, not managed by this script"
    return 0
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT"; then
    fail kafka "$KAFKA_HOST:$KAFKA_CONTROLLER_PORT" '' 'the controller port is taken by another process'
  fi
  find_java
  fetch kafka
  mkdir -p "$dir/data"

  # The committed server.properties plus the one machine-specific line (Properties: the last key wins).
  { cat "$SRC/kafka/server.properties"; printf '\n# added by stack/stack.sh\nlog.dirs=%s\n' "$dir/data"; } \
    >"$dir/server.properties"

  # Format once. The data directory's own meta.properties is the truth about the cluster id, so a lost
  # cluster.id file is recovered from it rather than producing a mismatch.
  if [[ -f $dir/data/meta.properties ]]; then
    sed -n 's/^cluster.id=//p' "$dir/data/meta.properties" >"$dir/cluster.id"
  else
    [[ -s $dir/cluster.id ]] || new_cluster_id >"$dir/cluster.id"
    if ! kafka_tool 60 kafka.tools.StorageTool format -t "$(<"$dir/cluster.id")" \
      -c "$dir/server.properties" --ignore-formatted >"$LOGS/kafka-format.log" 2>&1; then
      fail kafka "$addr" "$LOGS/kafka-format.log" 'formatting the KRaft storage failed'
    fi
  fi

  rotate_log "$log"
  start_detached kafka "$log" "$JAVA" "${KAFKA_JVM_OPTS[@]}" \
    -Dlog4j2.configurationFile="$SRC/kafka/log4j2.properties" \
    -cp "$dir/classpath/*" kafka.Kafka "$dir/server.properties"
  KAFKA_STARTED=$(now_ms)
}

kafka_wait() {
  local addr="$KAFKA_HOST:$KAFKA_PORT" log="$LOGS/kafka.log" pid deadline
  [[ -n $KAFKA_STARTED ]] || return 0
  pid=$(<"$PIDS/kafka.pid")
  deadline=$(($(now_ms) + KAFKA_WAIT * 1000))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDS/kafka.pid"
      fail kafka "$addr" "$log" "the broker exited during startup"
    fi
    grep -q 'Kafka Server started' "$log" 2>/dev/null && port_open "$KAFKA_HOST" "$KAFKA_PORT" && break
    if (($(now_ms) > deadline)); then
      # No start line (e.g. logging misconfigured) is not fatal if the broker serves requests.
      port_open "$KAFKA_HOST" "$KAFKA_PORT" && break
      stop_pid kafka >/dev/null
      fail kafka "$addr" "$log" "not ready after ${KAFKA_WAIT}s (stopped it)"
    fi
    sleep 0.3
  done
  # Ready means a real client gets metadata, not just an open port.
  if ! kafka_tool 60 org.apache.kafka.tools.TopicCommand --bootstrap-server "$addr" --list \
    >/dev/null 2>"$LOGS/kafka-check.log"; then
    fail kafka "$addr" "$LOGS/kafka-check.log" 'the broker accepts connections but a metadata request (TopicCommand --list) failed'
  fi
  say "kafka: started (pid $pid) on $addr in $(since "$KAFKA_STARTED"); log $log"
}

# --------------------------------------------------------------------------------------------- S3Proxy

S3_STARTED=
s3_start() {
  local addr="$S3_HOST:$S3_PORT" log="$LOGS/s3proxy.log" dir="$STATE/s3proxy" pid
  if pid=$(managed_pid s3proxy); then
    if http_answers "$S3_HOST" "$S3_PORT"; then
      say "s3proxy: already running (pid $pid) on $addr"
    else
      say "s3proxy: running (pid $pid) but not answering yet on $addr: waiting"
      S3_STARTED=$(now_ms)
    fi
    return 0
  fi
  if port_open "$S3_HOST" "$S3_PORT"; then
    say "s3proxy: something already answers on $addr, not managed by this script"
    return 0
  fi
  find_java
  fetch s3proxy
  mkdir -p "$STATE/s3/data"
  { cat "$SRC/s3proxy/s3proxy.conf"; printf '\n# added by stack/stack.sh\njclouds.filesystem.basedir=%s\n' "$STATE/s3/data"; } \
    >"$dir/s3proxy.conf"
  rotate_log "$log"
  start_detached s3proxy "$log" "$JAVA" "${S3_JVM_OPTS[@]}" \
    -Dlogback.configurationFile="$SRC/s3proxy/logback.xml" \
    -cp "$dir/classpath/*" org.gaul.s3proxy.Main --properties "$dir/s3proxy.conf"
  S3_STARTED=$(now_ms)
}

s3_wait() {
  local addr="$S3_HOST:$S3_PORT" log="$LOGS/s3proxy.log" pid deadline
  [[ -n $S3_STARTED ]] || return 0
  pid=$(<"$PIDS/s3proxy.pid")
  deadline=$(($(now_ms) + S3_WAIT * 1000))
  until http_answers "$S3_HOST" "$S3_PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDS/s3proxy.pid"
      fail s3proxy "http://$addr" "$log" 'S3Proxy exited during startup'
    fi
    if (($(now_ms) > deadline)); then
      stop_pid s3proxy >/dev/null
      fail s3proxy "http://$addr" "$log" "no HTTP answer after ${S3_WAIT}s (stopped it)"
    fi
    sleep 0.3
  done
  say "s3proxy: started (pid $pid) on http://$addr in $(since "$S3_STARTED"); log $log"
}

# ----------------------------------------------------------------------------------------------- Redis

redis_up() {
  local addr="$REDIS_HOST:$REDIS_PORT" log="$LOGS/redis.log" pid t0 deadline
  if pid=$(managed_pid redis); then
    say "redis: already running (pid $pid) on $addr"
    return 0
  fi
  if port_open "$REDIS_HOST" "$REDIS_PORT"; then
    say "redis: already running on $addr, not managed"
    return 0
  fi
  if ! command -v redis-server >/dev/null; then
    apt_install redis-server || fail redis "$addr" "$LOGS/apt.log" 'redis-server is not installed and apt-get failed'
    # The package's init script may have started its own server: then it is the system's, not ours.
    if port_open "$REDIS_HOST" "$REDIS_PORT"; then
      say "redis: started by the package install on $addr, not managed"
      return 0
    fi
  fi
  mkdir -p "$STATE/redis"
  t0=$(now_ms)
  rotate_log "$log"
  # An append-only file fsynced every second (docs/reliability.md: the offsets and the counts change in
  # one script, so the file always holds a consistent prefix of the stream's writes), no RDB snapshots;
  # in the foreground under setsid instead of --daemonize so that the PID we record is the server's; its
  # working files stay in .stack/redis.
  start_detached redis "$log" "$(command -v redis-server)" --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
    --save '' --appendonly yes --appendfsync everysec --dir "$STATE/redis" --logfile '' --daemonize no
  pid=$(<"$PIDS/redis.pid")
  deadline=$(($(now_ms) + REDIS_WAIT * 1000))
  until redis_pings "$REDIS_HOST" "$REDIS_PORT"; do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDS/redis.pid"; fail redis "$addr" "$log" 'redis-server exited during startup'; }
    (($(now_ms) > deadline)) && { stop_pid redis >/dev/null; fail redis "$addr" "$log" "no PONG after ${REDIS_WAIT}s (stopped it)"; }
    sleep 0.2
  done
  say "redis: started (pid $pid) on $addr in $(since "$t0"); log $log"
}

# ------------------------------------------------------------------------------------------ PostgreSQL

# The newest installed PostgreSQL major version (Debian layout: /etc/postgresql/<version>/<cluster>).
pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

pg_up() {
  local addr="$PG_HOST:$PG_PORT" pid ver t0 deadline fresh= pglog datadir
  if pid=$(managed_pid postgresql); then
    say "postgresql: already running (pid $pid) on $addr"
    return 0
  fi
  if port_open "$PG_HOST" "$PG_PORT"; then
    say "postgresql: already running on $addr, not managed"
    return 0
  fi
  if ! command -v pg_ctlcluster >/dev/null || [[ -z $(pg_version) ]]; then
    apt_install postgresql || fail postgresql "$addr" "$LOGS/apt.log" 'PostgreSQL is not installed and apt-get failed'
    fresh=1
    if port_open "$PG_HOST" "$PG_PORT"; then
      say "postgresql: started by the package install on $addr, not managed"
      pg_trust_loopback "$(pg_version)" reload
      return 0
    fi
  fi
  ver=$(pg_version)
  [[ -n $ver ]] || fail postgresql "$addr" "$LOGS/apt.log" 'no cluster under /etc/postgresql after install'
  if [[ ! -d /etc/postgresql/$ver/$PG_CLUSTER ]]; then
    as_root pg_createcluster --port "$PG_PORT" "$ver" "$PG_CLUSTER" >>"$LOGS/postgresql.log" 2>&1 ||
      fail postgresql "$addr" "$LOGS/postgresql.log" "pg_createcluster $ver $PG_CLUSTER failed"
    fresh=1
  fi
  if [[ -n $fresh ]]; then pg_trust_loopback "$ver"; fi
  pglog="/var/log/postgresql/postgresql-$ver-$PG_CLUSTER.log"
  t0=$(now_ms)
  if ! as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$PG_CLUSTER" start >>"$LOGS/postgresql.log" 2>&1 9>&-; then
    cat "$pglog" >>"$LOGS/postgresql.log" 2>/dev/null || true
    fail postgresql "$addr" "$LOGS/postgresql.log" "pg_ctlcluster $ver $PG_CLUSTER start failed (server log: $pglog)"
  fi
  # pg_ctlcluster daemonizes the postmaster itself; its PID is the first line of postmaster.pid.
  datadir=$(pg_lsclusters -h 2>/dev/null | awk -v v="$ver" -v c="$PG_CLUSTER" '$1 == v && $2 == c {print $6}')
  pid=$(as_root head -n 1 "$datadir/postmaster.pid" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && echo "$pid" >"$PIDS/postgresql.pid"
  echo "$ver $PG_CLUSTER" >"$STATE/postgresql.cluster"
  deadline=$(($(now_ms) + PG_WAIT * 1000))
  until port_open "$PG_HOST" "$PG_PORT"; do
    (($(now_ms) > deadline)) && fail postgresql "$addr" "$pglog" "cluster $ver/$PG_CLUSTER started but $addr does not answer after ${PG_WAIT}s (check its port in /etc/postgresql/$ver/$PG_CLUSTER/postgresql.conf)"
    sleep 0.3
  done
  say "postgresql: started cluster $ver/$PG_CLUSTER (pid ${pid:-?}) on $addr in $(since "$t0"); log $pglog"
}

# On a PostgreSQL cluster this script just installed or created, let loopback connections in without a password (trust), as on
# the development machines: the CLI's default is postgres://127.0.0.1:5432/findoc with no credentials.
# A pre-existing installation's pg_hba.conf is never edited.
pg_trust_loopback() {
  local ver=$1 hba="/etc/postgresql/$1/$PG_CLUSTER/pg_hba.conf"
  [[ -f $hba ]] || return 0
  grep -q 'findoc local stack' "$hba" && return 0
  say "postgresql: new install: trust auth for 127.0.0.1/::1 in $hba"
  as_root sed -i '1i # findoc local stack: loopback without password (development only)\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  [[ ${2:-} == reload ]] && as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$PG_CLUSTER" reload >>"$LOGS/postgresql.log" 2>&1
  return 0
}

# Runs psql as the `postgres` superuser: over TCP when trust allows it, else over the socket as the OS
# user postgres (peer auth).
pg_admin() {
  if psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -X -Atq -c 'select 1' >/dev/null 2>&1; then
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 "$@"
  elif [[ $EUID -eq 0 ]] && command -v runuser >/dev/null; then
    (cd / && runuser -u postgres -- psql -p "$PG_PORT" -d postgres -X -q -v ON_ERROR_STOP=1 "$@")
  else
    (cd / && sudo -n -u postgres psql -p "$PG_PORT" -d postgres -X -q -v ON_ERROR_STOP=1 "$@")
  fi
}

# The CLI's default database: `findoc`, owned by a role named like the OS user (libpq's default user).
pg_ensure_db() {
  local role addr="$PG_HOST:$PG_PORT"
  role=$(id -un)
  if ! pg_admin -v role="$role" -v db="$PG_DATABASE" >>"$LOGS/postgresql.log" 2>&1 <<'SQL'; then
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
    fail postgresql "$addr" "$LOGS/postgresql.log" "could not create role '$role' / database '$PG_DATABASE' as the postgres superuser"
  fi
  if ! psql -h "$PG_HOST" -p "$PG_PORT" -U "$role" -d "$PG_DATABASE" -X -Atq -c 'select 1' >/dev/null 2>>"$LOGS/postgresql.log"; then
    fail postgresql "$addr" "$LOGS/postgresql.log" "role '$role' cannot connect to database '$PG_DATABASE' over TCP without a password (pg_hba.conf)"
  fi
  say "postgresql: database '$PG_DATABASE' ready for role '$role'"
}

pg_down() {
  local pid ver cluster
  pid=$(managed_pid postgresql) || { rm -f "$PIDS/postgresql.pid" "$STATE/postgresql.cluster"; return 0; }
  read -r ver cluster <"$STATE/postgresql.cluster"
  # Fast shutdown (disconnect clients, checkpoint) through Debian's wrapper; TERM on the postmaster would
  # be a "smart" shutdown that waits for every client to leave.
  if as_root timeout "$STOP_WAIT" pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" stop -m fast >>"$LOGS/postgresql.log" 2>&1; then
    rm -f "$PIDS/postgresql.pid" "$STATE/postgresql.cluster"
    say "postgresql stopped (cluster $ver/$cluster, pid $pid)"
  else
    warn "pg_ctlcluster stop failed; signalling the postmaster"
    kill -INT "$pid" 2>/dev/null || true
    stop_pid postgresql
    rm -f "$STATE/postgresql.cluster"
  fi
}

# -------------------------------------------------------------------------------------------- commands

lock() {
  # One `up`/`down`/`reset` at a time (two terminals, or a test run next to a manual `up`).
  command -v flock >/dev/null || return 0
  exec 9>"$STATE/.lock"
  flock -w 180 9 || { warn "another stack.sh holds $STATE/.lock"; exit 1; }
}

prepare() { mkdir -p "$PIDS" "$LOGS"; }

cmd_up() {
  local t0
  t0=$(now_ms)
  prepare
  lock
  pg_up
  redis_up
  pg_ensure_db
  # Both JVMs boot at once (about 3 s each on two cores), then each gets its own bounded wait.
  kafka_start
  s3_start
  kafka_wait
  s3_wait
  say "up in $(since "$t0"): kafka $KAFKA_HOST:$KAFKA_PORT, s3 http://$S3_HOST:$S3_PORT, postgresql $PG_HOST:$PG_PORT/$PG_DATABASE, redis $REDIS_HOST:$REDIS_PORT"
}

cmd_down() {
  prepare
  lock
  local svc
  for svc in s3proxy kafka redis; do
    if [[ -f $PIDS/$svc.pid ]]; then stop_pid "$svc"; else say "$svc: not started by this script, left alone"; fi
  done
  if [[ -f $PIDS/postgresql.pid ]]; then pg_down; else say "postgresql: not started by this script, left alone"; fi
}

cmd_fetch() {
  prepare
  lock
  fetch kafka
  fetch s3proxy
  say "classpaths complete in .stack/kafka/classpath and .stack/s3proxy/classpath"
}

cmd_reset() {
  prepare
  lock
  stop_pid s3proxy
  stop_pid kafka
  rm -rf "$STATE/kafka/data" "$STATE/kafka/cluster.id" "$STATE/s3/data"
  say "kafka and s3proxy data deleted; run 'bash stack/stack.sh up' to start fresh"
}

cmd_status() {
  local all=0 svc addr up pid who
  printf '%-11s %-22s %-5s %-9s %s\n' SERVICE ADDRESS STATE MANAGED PID
  for svc in kafka s3proxy postgresql redis; do
    case $svc in
      kafka) addr="$KAFKA_HOST:$KAFKA_PORT"; port_open "$KAFKA_HOST" "$KAFKA_PORT" && up=up || up=down ;;
      s3proxy) addr="http://$S3_HOST:$S3_PORT"; http_answers "$S3_HOST" "$S3_PORT" && up=up || up=down ;;
      postgresql) addr="$PG_HOST:$PG_PORT"; port_open "$PG_HOST" "$PG_PORT" && up=up || up=down ;;
      redis) addr="$REDIS_HOST:$REDIS_PORT"; redis_pings "$REDIS_HOST" "$REDIS_PORT" && up=up || up=down ;;
    esac
    if pid=$(managed_pid "$svc" 2>/dev/null); then who=stack; else who=external; pid=-; fi
    [[ $up == down && $who == external ]] && who=-
    [[ $up == up ]] || all=1
    printf '%-11s %-22s %-5s %-9s %s\n' "$svc" "$addr" "$up" "$who" "$pid"
  done
  return "$all"
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  fetch) cmd_fetch ;;
  reset) cmd_reset ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *)
    echo "usage: bash stack/stack.sh up|down|status|fetch|reset" >&2
    exit 64
    ;;
esac
