#!/usr/bin/env bash
# The test runner behind `npm test` (everything) and `npm run test:unit` (= --unit).
#
#   bash scripts/test.sh            build, start the local stack (stack/stack.sh up), run every test/**/*.test.ts
#   bash scripts/test.sh --unit     build, run test/core/**/*.test.ts only; no services needed
#   bash scripts/test.sh FILE...    build, start the stack, run only the given test files
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
  [[ -n $unit ]] && root=test/core
  mapfile -t files < <(find "$root" -name '*.test.ts' -type f | LC_ALL=C sort)
fi
if ((${#files[@]} == 0)); then
  say "no *.test.ts files under ${root:-test}: refusing to report success for zero tests"
  exit 1
fi

say "running ${#files[@]} test files (concurrency 1, ${TEST_TIMEOUT_MS} ms per file)"
set +e
node --import tsx --test --test-concurrency=1 --test-timeout="$TEST_TIMEOUT_MS" "${files[@]}"
rc=$?
set -e
say "test runner exited with $rc"
exit "$rc"
