#!/usr/bin/env bash
# The test runner behind `npm test` (everything) and `npm run test:unit` (= --unit).
#
#   bash scripts/test.sh            build, start the local stack (stack/stack.sh up), run every test/**/*.test.ts
#   bash scripts/test.sh --unit     build, run every test that needs no service: all of test/ but
#                                   test/integration-services/ and test/e2e/ (core, adapters, completion)
#   bash scripts/test.sh FILE...    build, start the stack, run only the given test files
#
# Skips tell the truth: a test that cannot run fails with the reason. The only allowed skips belong to a
# named optional group, written as the skip reason "optional(<group>): <why>" (test/helpers/optional.ts);
# the run prints each group with its count and reason. Any other skip fails the run (exit 1), so CI fails
# on an unexpected skip.
#
# Works from a clean clone on a fresh machine: installs node_modules with `npm ci` when absent and lets
# stack.sh fetch/start what is missing. The stack is left running afterwards (`npm run stack:down` stops
# it). Exits with the test runner's code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Per test FILE, not per test: integration files share one broker and one database on a two-core box.
TEST_TIMEOUT_MS=${FINDOC_TEST_TIMEOUT_MS:-300000}

unit=
files=()
for arg in "$@"; do
  case $arg in
    --unit) unit=1 ;;
    -*) echo "test.sh: unknown option $arg (usage: scripts/test.sh [--unit] [FILE...])" >&2; exit 64 ;;
    *) files+=("$arg") ;;
  esac
done

say() { printf '[test] %s\n' "$*" >&2; }

if [[ ! -d node_modules ]]; then
  say 'node_modules missing: npm ci'
  npm ci --no-audit --no-fund
fi

say 'npm run build'
npm run build

if [[ -z $unit ]]; then
  say 'local stack: bash stack/stack.sh up'
  bash stack/stack.sh up
fi

# Node 20's runner needs an explicit file list: `tsx --test` or `node --test` without files find no .ts
# tests at all and report success.
if ((${#files[@]} == 0)); then
  root=test
  if [[ -n $unit ]]; then
    mapfile -t files < <(find test \( -path test/integration-services -o -path test/e2e \) -prune -o -name '*.test.ts' -type f -print | LC_ALL=C sort)
  else
    mapfile -t files < <(find "$root" -name '*.test.ts' -type f | LC_ALL=C sort)
  fi
fi
if ((${#files[@]} == 0)); then
  say "no *.test.ts files under ${root:-test}: refusing to report success for zero tests"
  exit 1
fi

say "running ${#files[@]} test files (concurrency 1, ${TEST_TIMEOUT_MS} ms per file)"
tap=$(mktemp "${TMPDIR:-/tmp}/findoc-tests.XXXXXX.tap")
trap 'rm -f "$tap"' EXIT
set +e
node --import tsx --test --test-concurrency=1 --test-timeout="$TEST_TIMEOUT_MS" \
  --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$tap" \
  "${files[@]}"
rc=$?
set -e
say "test runner exited with $rc"

# Skips: "ok N - name # SKIP reason" in the TAP copy of the run.
unexpected=0
while IFS= read -r line; do
  reason=${line#* # SKIP}
  reason=${reason# }
  if [[ $reason =~ ^optional\(([a-z0-9-]+)\):\ (.*)$ ]]; then
    printf '%s\t%s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  else
    say "UNEXPECTED SKIP: ${line#*ok * - } (a test that cannot run must fail with its reason, or join an optional group)"
    unexpected=$((unexpected + 1))
  fi
done < <(grep -E '^ *(not )?ok [0-9]+ - .* # SKIP' "$tap" || true) > "$tap.optional"
if [[ -s $tap.optional ]]; then
  sort "$tap.optional" | uniq -c | while read -r count group reason; do say "skipped, optional group $group: $count (${reason})"; done
fi
rm -f "$tap.optional"
if ((unexpected > 0)); then
  say "$unexpected unexpected skip(s): failing the run"
  ((rc == 0)) && rc=1
fi
exit "$rc"
