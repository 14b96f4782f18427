#!/usr/bin/env bash
# prepare.sh -- JavaScript dependencies and builds, as the demo and the tests need them:
#   npm ci (only when node_modules is missing or older than package-lock.json),
#   the extension (prebuilt, development build) and the server (npm run build),
#   the test-bed JupyterLab and galata's helpers (npm run build:testbed, only when stale).
# Any user can run it (no root needed). Idempotent.
set -euo pipefail
HPC_SCRIPT=prepare
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v node >/dev/null || die --status 2 "Node.js 20 or newer is needed (node not found on PATH)"
major=$(node -p 'process.versions.node.split(".")[0]')
[[ $major -ge 20 ]] || die --status 2 "Node.js 20 or newer is needed (found $(node --version))"

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm ci"
  start=$SECONDS
  npm ci --no-audit --no-fund --loglevel=error
  log "npm ci done in $((SECONDS - start)) s"
fi

start=$SECONDS
npm run -s build >/dev/null
log "extension and server built in $((SECONDS - start)) s"

# The test-bed front end depends only on the pinned JupyterLab packages: rebuild it
# when it is missing or older than the lockfile or its own sources.
stamp=ui-tests/build/.built
stale=0
[[ -f $stamp ]] || stale=1
if [[ $stale == 0 ]]; then
  for f in package-lock.json ui-tests/package.json ui-tests/index.js ui-tests/bootstrap.js \
    ui-tests/webpack.config.js ui-tests/galata-helpers/lib/index.js; do
    [[ $f -nt $stamp ]] && stale=1
  done
fi
if [[ $stale == 1 ]]; then
  start=$SECONDS
  npm run -s build:testbed >/dev/null
  touch "$stamp"
  log "test-bed JupyterLab built in $((SECONDS - start)) s"
fi
