#!/usr/bin/env bash
# The UI tests' server: hpc-proxy in front mode starting the test-bed
# JupyterLab with a fresh root and state, plus galata's in-page helpers.
# usage: start-test-server.sh PORT
set -euo pipefail
cd "$(dirname "$0")"
PORT=${1:-8898}
STATE=$(mktemp -d /tmp/hpc-ui-tests.XXXXXX)
mkdir -p "$STATE/root" "$STATE/lab"

export HPC_LAB_STATE="$STATE/lab"
export HPC_LABEXTENSIONS="$PWD/labextensions-test"
node ../server-proxy/bin/hpc-proxy front --port "$PORT" --log-level warn \
  --config tests/hpc-config.json --root "$STATE/root" -- \
  /usr/bin/python3 serve.py '--port={port}' --ServerApp.root_dir="$STATE/root" &
FRONT=$!
# Playwright stops the whole process group with SIGTERM: let hpc-proxy stop
# Jupyter, then remove this run's files.
trap 'kill -TERM "$FRONT" 2>/dev/null; wait "$FRONT"; rm -rf "$STATE"' TERM INT
wait "$FRONT" || true
rm -rf "$STATE"
