#!/usr/bin/env bash
# npm run bench: every benchmark in bench/, each beside its reference measured in the same run, then one
# table of all figures (bench/README.md explains them). Input: days made by `findoc generate`
# (bench/lib/input.ts), cached under bench/out/data/ so that a second run does not make them again. Sizes
# default to what finishes in under 10 minutes on a 2-core machine (measured: bench/README.md); raise them
# with the environment or run one bench by hand (its header comment says how):
#
#   npm run bench                           all of them
#   npm run bench -- parse batch            only these
#   BENCH_ROWS=4000000 BENCH_DAYS=8 npm run bench
#
# Results: the JSON lines of this run in bench/out/results-<UTC time>.ndjson, each bench's output beside it
# in results-<UTC time>-<bench>.txt (bench/out/ is git-ignored), and a summary table at the end. Exits non-zero when a bench failed. Needs the local stack (started here) and kcat for
# the Kafka references (the replay and stream benches install Debian's kcat when it is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROWS=${BENCH_ROWS:-2000000}   # rows of a day (parse, replay, stream, batch)
DAYS=${BENCH_DAYS:-4}         # days of batch
all=(parse generate download replay stream batch robots sessions alerts)
selected=("$@")
((${#selected[@]})) || selected=("${all[@]}")

declare -A ARGS=(
  [parse]="--rows $ROWS --runs 3"
  [generate]="--rows $((ROWS * 2)) --runs 1"
  [download]="--rows $((ROWS * 13 / 10))"
  [replay]="--rows $ROWS"
  [stream]="--rows $ROWS"
  [batch]="--days $DAYS --rows $ROWS --runs 2"
  [robots]="--rows $ROWS --runs 2"
  [sessions]="--rows $((ROWS * 35 / 4)) --runs 2"
  [alerts]="--runs 15"
)

[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent build
bash stack/stack.sh up >&2

load() { cut -d' ' -f1-3 /proc/loadavg; }
mkdir -p bench/out
out="bench/out/results-$(date -u +%Y%m%dT%H%M%SZ).ndjson"
began=$(date +%s)
load_before=$(load)
failed=()
for b in "${selected[@]}"; do
  [[ -f bench/$b.ts ]] || { echo "no bench/$b.ts" >&2; failed+=("$b"); continue; }
  printf '\n==> bench/%s.ts %s\n' "$b" "${ARGS[$b]:-}" >&2
  start=$(date +%s)
  # The bench's stdout (its table and JSON lines) goes to ours and to a file of its own (tee opens that
  # file itself: no second writer on our stdout or stderr); its JSON lines are then added to $out.
  log="${out%.ndjson}-$b.txt"
  # shellcheck disable=SC2086 # ARGS are word lists on purpose
  if node --import tsx "bench/$b.ts" ${ARGS[$b]:-} | tee "$log" && grep -E '^\{"bench":' "$log" >>"$out"; then
    printf '<== %s done in %ss\n' "$b" $(($(date +%s) - start)) >&2
  else
    echo "<== $b FAILED (no figures, or it exited non-zero; its output: $log)" >&2
    failed+=("$b")
  fi
done

printf '\nAll figures of this run (JSON lines in %s):\n' "$out"
node --import tsx bench/lib/summary.ts "$out"
printf '%s benches in %ss on %s cores; load average (1, 5, 15 min) %s before, %s after\n' \
  "${#selected[@]}" $(($(date +%s) - began)) "$(nproc)" "$load_before" "$(load)"
if ((${#failed[@]})); then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
