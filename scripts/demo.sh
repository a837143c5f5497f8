#!/usr/bin/env bash
# npm run demo — the whole pipeline on the local stack, ending in the live dashboard.
#
#   npm run demo                          synthetic history + a live day, replayed in real time
#   npm run demo -- --speed 5             replay five times faster
#   npm run demo -- --days 7 --rows-per-day 500000
#   npm run demo -- --real 2017-06-01:2017-06-14   real SEC days as the history (needs the internet and
#                                         FINDOC_USER_AGENT="Your Name you@example.com")
#   npm run demo -- --seconds 90          no dashboard: run 90 s, then print top and bands (for scripts;
#                                         also what happens when stdout is not a terminal)
#
# What it does, each step a findoc command you can run by hand (printed at the end):
#   1. installs npm dependencies and builds when needed; brings the local stack up (stack/stack.sh up)
#   2. generate: N days of SYNTHETIC history into s3://findoc-demo/history/ (skipped when already there),
#      and today's day into s3://findoc-demo/live/ with a burst of one company a minute from now
#   3. batch: per-second human counts of the history (robots filter) into PostgreSQL and the bands of set "demo-humans"
#   4. stream (background, robots filter): Kafka topic edgar.demo → Redis namespace demo-humans: (reset at each demo start)
#   5. replay (background, --loop): today's day from the current time of day, re-stamped to now
#   6. watch: the dashboard. Quitting it (q) stops the stream and the replay started here.
# Logs of the background stages: .stack/logs/demo-*.log. Nothing is downloaded unless --real is given.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DAYS=14
ROWS=1000000
SPEED=1
REAL=
SECONDS_ONLY=
HOT_CIK=320193
while (($#)); do
  case $1 in
    --days) DAYS=$2; shift 2 ;;
    --rows-per-day) ROWS=$2; shift 2 ;;
    --speed) SPEED=$2; shift 2 ;;
    --real) REAL=$2; shift 2 ;;
    --seconds) SECONDS_ONLY=$2; shift 2 ;;
    --hot-cik) HOT_CIK=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "demo: unknown option $1 (see npm run demo -- --help)" >&2; exit 64 ;;
  esac
done
[[ -t 1 && -t 0 ]] || SECONDS_ONLY=${SECONDS_ONLY:-60}

say() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
findoc() { node bin/findoc "$@"; }

BUCKET=s3://findoc-demo
TOPIC=edgar.demo
PREFIX=demo-humans:
SET=demo-humans
# Humans only, end to end: the same robots rule for the bands and the live counts (docs/robots.md).
FILTER=(--filter robots --robots drt)
LOGS=.stack/logs
mkdir -p "$LOGS" .stack/demo

say "1/6 dependencies, build, local stack"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent build
bash stack/stack.sh up
findoc doctor

today=$(date -u +%F)
if [[ -n $REAL ]]; then
  say "2/6 download real SEC days ${REAL/:/ to } into $BUCKET/real/"
  : "${FINDOC_USER_AGENT:?--real needs FINDOC_USER_AGENT=\"Your Name you@example.com\" (SEC fair access)}"
  findoc download --from "${REAL%%:*}" --to "${REAL##*:}" --to-s3 "$BUCKET/real/" --allow-missing
  HISTORY="$BUCKET/real/"
  live_src="$BUCKET/real/"
  LIVE_ARGS=(--from "${REAL##*:}" --to "${REAL##*:}")
else
  first=$(date -u -d "$today - $DAYS days" +%F)
  last=$(date -u -d "$today - 1 day" +%F)
  marker=.stack/demo/history-$first-$last-$ROWS
  if [[ -f $marker ]]; then
    say "2/6 synthetic history $first … $last already in $BUCKET/history/"
  else
    say "2/6 generate $DAYS days of SYNTHETIC history ($ROWS rows a day) into $BUCKET/history/"
    findoc generate --from "$first" --to "$last" --rows-per-day "$ROWS" --format csv.gz --seed 7 --to-s3 "$BUCKET/history/"
    touch "$marker"
  fi
  HISTORY="$BUCKET/history/"
  # Today's day, with a company burst one minute from now (UTC time of day), lasting two minutes.
  hot_at=$(date -u -d '+60 seconds' +%H:%M:%S)
  say "    today's SYNTHETIC day with CIK $HOT_CIK running hot from $hot_at UTC"
  findoc generate --date "$today" --rows-per-day "$ROWS" --format csv.gz --seed "$(date -u +%s)" \
    --hot "$HOT_CIK@$hot_at+120x10" --to-s3 "$BUCKET/live/" >/dev/null
  live_src="$BUCKET/live/"
  LIVE_ARGS=(--from "$today" --to "$today")
fi

say "3/6 batch: per-second counts and the bands of set \"$SET\""
if [[ -n $REAL ]]; then
  findoc batch "$HISTORY" --from "${REAL%%:*}" --to "${REAL##*:}" --set "$SET" "${FILTER[@]}"
else
  findoc batch "$HISTORY" --from "$first" --to "$last" --set "$SET" "${FILTER[@]}"
fi

pids=()
stop_all() {
  local rc=$?
  trap - EXIT INT TERM
  if ((${#pids[@]})); then
    say "stopping the demo's stream and replay"
    # TERM, not INT: background jobs of a non-interactive shell start with SIGINT ignored. findoc treats
    # TERM like a first Ctrl-C (flush, commit, close).
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 100); do
      alive=0
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
      ((alive)) || break
      sleep 0.2
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  cat >&2 <<GUIDE

The same pipeline, stage by stage (see README, "Pipeline by hand"):
  npm run stack:up
  npx findoc generate --from $([[ -n $REAL ]] && echo "${REAL%%:*}" || echo "$first") --to $([[ -n $REAL ]] && echo "${REAL##*:}" || echo "$last") --rows-per-day $ROWS --format csv.gz --to-s3 $HISTORY
  npx findoc batch $HISTORY --set $SET ${FILTER[*]}
  npx findoc stream --topic $TOPIC --redis-prefix $PREFIX ${FILTER[*]} &
  npx findoc replay $live_src ${LIVE_ARGS[*]} --topic $TOPIC --speed $SPEED --loop --start-at \$(date -u +%H:%M:%S) &
  npx findoc watch --redis-prefix $PREFIX --set $SET
  npx findoc top --redis-prefix $PREFIX --window 1m --json
  npx findoc bands --set $SET --at \$(date -u +%H:%M:%S)
The local stack keeps running: npm run stack:down stops it. Logs: $LOGS/demo-stream.log, $LOGS/demo-replay.log
GUIDE
  exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

say "4/6 stream: $TOPIC → Redis namespace $PREFIX (background; log $LOGS/demo-stream.log)"
node bin/findoc stream --topic "$TOPIC" --redis-prefix "$PREFIX" "${FILTER[@]}" --reset --start-offset latest >"$LOGS/demo-stream.log" 2>&1 &
pids+=($!)
sleep 3

start_at=$(date -u +%H:%M:%S)
say "5/6 replay: $live_src from $start_at UTC at speed $SPEED, looping (background; log $LOGS/demo-replay.log)"
node bin/findoc replay "$live_src" "${LIVE_ARGS[@]}" --topic "$TOPIC" --speed "$SPEED" --loop --start-at "$start_at" \
  >"$LOGS/demo-replay.log" 2>&1 &
pids+=($!)

if [[ -n $SECONDS_ONLY ]]; then
  say "6/6 no terminal for the dashboard: running ${SECONDS_ONLY}s, then printing top and bands"
  sleep "$SECONDS_ONLY"
  findoc top --redis-prefix "$PREFIX" --window 1m
  findoc top --redis-prefix "$PREFIX" --window all --limit 5
  findoc bands --set "$SET" --at "$(date -u +%H:%M:%S)"
else
  say "6/6 watch (q quits and stops the demo)"
  sleep 2
  findoc watch --redis-prefix "$PREFIX" --set "$SET" || true
fi
