#!/usr/bin/env bash
# The UI tests' server: hpc-proxy in front mode starting the test-bed
# JupyterLab with a fresh root and state, plus galata's in-page helpers.
# Both run as the unprivileged user HPC_UI_USER (default alice), as on a real
# login node, so Slurm treats the browser's user as alice (her jobs are
# "Mine"; bob's jobs refuse her actions).
#
# usage: start-test-server.sh PORT [--config FILE] [--probe DIR]
#          [--cgroup-memory BYTES] [--gpu-replay CAPTURE] [--env NAME=VALUE]...
#   --config FILE  hpc-proxy's configuration (default tests/hpc-config.json)
#   --probe DIR    (re)create DIR for tests that watch this server's Slurm use:
#                  DIR/slurm.conf, a copy of the real one given to the server
#                  as SLURM_CONF (a test may rewrite it, e.g. a dead controller
#                  port, and must restore it from DIR/slurm.conf.orig), and
#                  DIR/bin/squeue first on the server's PATH, which appends a
#                  line ("seconds.nanoseconds") to DIR/squeue.log and then
#                  execs the real squeue.
#   --cgroup-memory BYTES  run the server in a new cgroup v1 memory cgroup with
#                  this limit (removed afterwards): the meter's real limit.
#   --gpu-replay CAPTURE   put the replaying nvidia-smi first on the server's
#                  PATH, serving server-proxy/test/fixtures/nvidia-smi/CAPTURE
#                  (a real capture: the one stand-in the brief allows).
#   --env NAME=VALUE       one more variable in the server's environment
#                  (CUDA_VISIBLE_DEVICES, SLURM_JOB_ID, ...).
set -euo pipefail
cd "$(dirname "$0")"
PORT=${1:-8898}
shift || true
CONFIG=tests/hpc-config.json
PROBE=
CGROUP_MEMORY=
GPU_REPLAY=
EXTRA_ENV=()
while (($#)); do
  case $1 in
    --config) CONFIG=$2; shift 2 ;;
    --probe) PROBE=$2; shift 2 ;;
    --cgroup-memory) CGROUP_MEMORY=$2; shift 2 ;;
    --gpu-replay) GPU_REPLAY=$2; shift 2 ;;
    --env)
      if [[ ! $2 =~ ^[A-Z_][A-Z0-9_]*=.*$ ]]; then
        echo "start-test-server.sh: --env wants NAME=VALUE, not '$2'" >&2
        exit 2
      fi
      EXTRA_ENV+=("$2"); shift 2 ;;
    *) echo "start-test-server.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
RUN_AS=${HPC_UI_USER:-alice}
HOME_DIR=$(getent passwd "$RUN_AS" | cut -d: -f6)
if [[ -z $HOME_DIR ]]; then
  echo "start-test-server.sh: no user $RUN_AS (scripts/slurm-start.sh creates alice and bob)" >&2
  exit 1
fi
# As the user, without changing group or session: Playwright stops the whole
# process group with SIGTERM, which must reach hpc-proxy and Jupyter directly
# (runuser/su would stand between them and SIGKILL the child after 2 s).
AS_USER=(setpriv --reuid="$RUN_AS" --regid="$RUN_AS" --init-groups --)

# Everything the server reads must be readable by the user; a clone under a
# folder the user may not enter (/root) needs a pass (see let_users_reach).
export HPC_SCRIPT=start-test-server
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source ../scripts/lib.sh
let_users_reach "$(cd .. && pwd)" "$RUN_AS"
for path in serve.py build templates labextensions-test \
  ../jupyterlab_hpc/labextension/package.json ../server-proxy/bin/hpc-proxy \
  ../server-proxy/lib/main.js ../node_modules "$CONFIG"; do
  if ! "${AS_USER[@]}" test -r "$path"; then
    echo "start-test-server.sh: $RUN_AS cannot read $PWD/$path: the UI tests run the" \
      "server as $RUN_AS, so the checkout must be readable by other users" \
      "(e.g. chmod o+rx on each folder above it); is the test bed built?" >&2
    exit 1
  fi
done

STATE=$(mktemp -d /tmp/hpc-ui-tests.XXXXXX)
cleanup() {
  if [[ -n ${CGROUP:-} && -d $CGROUP ]]; then
    for _ in $(seq 50); do
      [[ -s $CGROUP/cgroup.procs ]] || break
      sleep 0.1
    done
    rmdir "$CGROUP" 2>/dev/null || echo "start-test-server.sh: $CGROUP still has processes" >&2
  fi
  rm -rf "$STATE"
  if [[ -n $PROBE ]]; then rm -rf "$PROBE"; fi
}
mkdir -p "$STATE/root" "$STATE/lab" "$STATE/jupyter/runtime" "$STATE/jupyter/data" "$STATE/ipython"
chown -R "$RUN_AS:" "$STATE"
chmod 700 "$STATE"

path=$PATH
slurm_conf=()
if [[ -n $GPU_REPLAY ]]; then
  capture=$(cd ../server-proxy/test/fixtures/nvidia-smi && pwd)/$GPU_REPLAY
  if [[ ! -r $capture ]]; then
    echo "start-test-server.sh: no capture $capture" >&2
    exit 2
  fi
  mkdir -m 755 "$STATE/gpu-bin"
  install -m 755 ../server-proxy/test/fixtures/nvidia-smi-replay/nvidia-smi "$STATE/gpu-bin/"
  printf '{"capture": "%s"}\n' "$capture" >"$STATE/gpu-bin/replay.json"
  chmod 644 "$STATE/gpu-bin/replay.json"
  path="$STATE/gpu-bin:$path"
fi
CGROUP=
if [[ -n $CGROUP_MEMORY ]]; then
  if [[ ! -w /sys/fs/cgroup/memory/cgroup.procs ]]; then
    echo "start-test-server.sh: --cgroup-memory needs root and cgroup v1's memory hierarchy" >&2
    exit 2
  fi
  CGROUP=/sys/fs/cgroup/memory/hpc-ui-tests-$PORT
  [[ -d $CGROUP ]] || mkdir "$CGROUP"
  echo "$CGROUP_MEMORY" >"$CGROUP/memory.limit_in_bytes"
fi
if [[ -n $PROBE ]]; then
  real_squeue=$(command -v squeue)
  real_conf=${SLURM_CONF:-/etc/slurm/slurm.conf}
  rm -rf "$PROBE"
  mkdir -m 755 "$PROBE" "$PROBE/bin"
  cp "$real_conf" "$PROBE/slurm.conf"
  cp "$real_conf" "$PROBE/slurm.conf.orig"
  chmod 644 "$PROBE/slurm.conf" "$PROBE/slurm.conf.orig"
  install -m 644 -o "$RUN_AS" /dev/null "$PROBE/squeue.log"
  cat >"$PROBE/bin/squeue" <<EOF
#!/bin/sh
# Counts this server's squeue runs (one line each); the real squeue answers.
date +%s.%N >>'$PROBE/squeue.log'
exec '$real_squeue' "\$@"
EOF
  chmod 755 "$PROBE/bin/squeue"
  path="$PROBE/bin:$PATH"
  slurm_conf=("SLURM_CONF=$PROBE/slurm.conf")
fi

# A clean environment, as a login would give (HOME, USER, LOGNAME of the
# user); Jupyter's and IPython's own files (and the Dask clusters' state,
# under the Jupyter data dir) go to this run's state. With
# --cgroup-memory, the subshell joins the cgroup before it becomes the server,
# so everything the server starts is inside.
(
[[ -z $CGROUP ]] || echo "$BASHPID" >"$CGROUP/cgroup.procs"
exec "${AS_USER[@]}" env -i \
  PATH="$path" HOME="$HOME_DIR" USER="$RUN_AS" LOGNAME="$RUN_AS" SHELL=/bin/bash \
  LANG="${LANG:-C.UTF-8}" ${TZ:+TZ="$TZ"} "${slurm_conf[@]}" "${EXTRA_ENV[@]}" \
  JUPYTER_RUNTIME_DIR="$STATE/jupyter/runtime" JUPYTER_DATA_DIR="$STATE/jupyter/data" IPYTHONDIR="$STATE/ipython" \
  HPC_LAB_STATE="$STATE/lab" HPC_LABEXTENSIONS="$PWD/labextensions-test" \
  node ../server-proxy/bin/hpc-proxy front --port "$PORT" --log-level warn \
  --config "$CONFIG" --root "$STATE/root" -- \
  /usr/bin/python3 serve.py '--port={port}' --ServerApp.root_dir="$STATE/root"
) &
FRONT=$!
# Playwright stops the whole process group with SIGTERM: let hpc-proxy stop
# Jupyter (which stops its kernels), then remove this run's files.
trap 'kill -TERM "$FRONT" 2>/dev/null; wait "$FRONT" || true; cleanup; exit 0' TERM INT
wait "$FRONT" || true
cleanup
