#!/usr/bin/env bash
# test.sh -- the README's test command: every test against the real stack.
# As root on a fresh Debian 12 machine it installs what it needs (Debian packages,
# npm ci, builds), starts the single-host Slurm, then runs:
#   lint (eslint, prettier, stylelint), unit tests (jest: extension and server),
#   the test bed's Slurm smoke test, server integration tests (real Slurm, real
#   Jupyter server), and the galata UI tests in Debian's chromium.
# Idempotent. Ends with the line "N passed, M failed"; exits 1 if anything failed.
#   TEST_ONLY="lint unit smoke integration ui"   run a subset of the stages
set -euo pipefail
HPC_SCRIPT="test"
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

require_debian
require_root "it installs Debian packages and starts Slurm"
STAGES=${TEST_ONLY:-lint unit smoke integration ui}
want() { [[ " $STAGES " == *" $1 "* ]]; }

t0=$SECONDS
bash scripts/install-deps.sh
bash scripts/prepare.sh
bash scripts/slurm-start.sh
# The integration and UI tests run servers from this checkout as alice and bob.
let_users_reach "$PWD" alice bob
log "set-up done in $((SECONDS - t0)) s"

REPORTS=$(mktemp -d /tmp/hpc-test-reports.XXXXXX)
trap 'rm -rf "$REPORTS"' EXIT
passed=0
failed=0
summary=()

# stage NAME PASSED FAILED SECONDS
record() {
  passed=$((passed + $2))
  failed=$((failed + $3))
  summary+=("$(printf '%-12s %4d passed, %d failed  (%d s)' "$1" "$2" "$3" "$4")")
}

# A jest run: counts come from its JSON report; a crash before any test counts as one failure.
run_jest() { # run_jest NAME -- command...
  local name=$1 start=$SECONDS report="$REPORTS/$1.json" p f
  shift 2
  log "== $name"
  "$@" --json --outputFile="$report" || true
  if [[ -s $report ]]; then
    read -r p f < <(node -e 'const r=require(process.argv[1]); console.log(r.numPassedTests, r.numFailedTests + r.numRuntimeErrorTestSuites)' "$report")
  else
    p=0 f=1
  fi
  record "$name" "$p" "$f" $((SECONDS - start))
}

if want lint; then
  start=$SECONDS
  log "== lint"
  lint_failed=0
  for check in eslint:check prettier:check stylelint:check; do
    npm run -s "$check" || lint_failed=$((lint_failed + 1))
  done
  record lint $((3 - lint_failed)) "$lint_failed" $((SECONDS - start))
fi

if want unit; then
  run_jest unit-lab -- npx jest
  run_jest unit-server -- npm -s test -w server-proxy --
fi

if want smoke; then
  start=$SECONDS
  log "== slurm smoke"
  out=$(bash scripts/slurm-smoke.sh 2>&1) || true
  printf '%s\n' "$out" | tail -n 30
  if [[ $(printf '%s\n' "$out" | tail -n 1) =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    record slurm-smoke "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" $((SECONDS - start))
  else
    record slurm-smoke 0 1 $((SECONDS - start))
  fi
fi

if want integration; then
  run_jest integration -- npm -s run test:integration -w server-proxy --
fi

if want ui; then
  start=$SECONDS
  log "== ui (galata, chromium)"
  report="$REPORTS/ui.json"
  (cd ui-tests && HPC_UI_REPORT="$report" npx playwright test) || true
  if [[ -s $report ]]; then
    read -r p f < <(node -e 'const s=require(process.argv[1]).stats; console.log(s.expected + s.flaky, s.unexpected)' "$report")
  else
    p=0 f=1
  fi
  record ui "$p" "$f" $((SECONDS - start))
fi

echo
printf '%s\n' "${summary[@]}"
echo "total time $((SECONDS - t0)) s"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
