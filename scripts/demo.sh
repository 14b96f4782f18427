#!/usr/bin/env bash
# demo.sh -- the README's demo command. As root on a fresh Debian 12 machine:
#   installs what it needs, builds, starts the single-host Slurm (unless a site's
#   Slurm already answers), starts JupyterLab with the suite behind hpc-proxy in
#   front mode, submits a few demo jobs (some running, some pending), prints the
#   URL to open, and on Ctrl-C stops everything it started.
#   DEMO_PORT=8888  DEMO_HOST=127.0.0.1  (use 0.0.0.0 to reach it from elsewhere)
# shellcheck disable=SC2016 # job scripts and node snippets are single-quoted on purpose
set -euo pipefail
HPC_SCRIPT=demo
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
PORT=${DEMO_PORT:-8888}
HOST=${DEMO_HOST:-127.0.0.1}
STATE=$REPO/.demo

require_debian
require_root "it installs Debian packages and starts Slurm"

# A previous demo still running (e.g. in another terminal): stop it first, and wait
# until it has cleaned up (its jobs, and Slurm if it started it).
if [[ -s $STATE/demo.pid ]] && pid_alive "$STATE/demo.pid" bash; then
  old=$(<"$STATE/demo.pid")
  log "stopping the previous demo (pid $old)"
  kill -TERM "$old" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
fi
mkdir -p "$STATE"
echo $$ >"$STATE/demo.pid"

bash scripts/install-deps.sh
bash scripts/prepare.sh

started_slurm=0
if ctld_up; then
  log "Slurm is already running: using it as it is"
else
  bash scripts/slurm-start.sh
  # slurm-start.sh starts nothing when a site's Slurm answers
  grep -qF "$HPC_MARKER" /etc/slurm/slurm.conf 2>/dev/null && started_slurm=1
fi

# Fresh Jupyter state each time; the notebook root keeps the user's files.
mkdir -p "$STATE/root" "$STATE/jobs-out"
rm -rf "$STATE/lab"
chmod 0777 "$STATE/jobs-out"
cp -n scripts/demo-files/* "$STATE/root/" 2>/dev/null || true
# The demo gallery: example folders, a git repository with history, its
# catalogue, and a shared staging area for submissions (root reviews them).
/usr/bin/python3 scripts/demo-gallery/build.py "$STATE/gallery" >/dev/null
mkdir -p "$STATE/gallery-staging"
chmod 1777 "$STATE/gallery-staging"
node -e '
  const [base, out, catalogue, staging] = process.argv.slice(1);
  const c = JSON.parse(require("fs").readFileSync(base, "utf8"));
  c.gallery = { ...c.gallery, catalogues: [catalogue], stagingDir: staging, reviewers: ["root", "alice"] };
  require("fs").writeFileSync(out, JSON.stringify(c, null, 2));
' scripts/demo-config.json "$STATE/config.json" "$STATE/gallery/catalogue.json" "$STATE/gallery-staging"
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$TOKEN" >"$STATE/token"
chmod 0600 "$STATE/token"

JOBS=()
cleanup() {
  trap - EXIT INT TERM
  log "stopping the demo"
  if [[ -n ${FRONT:-} ]]; then
    kill "$FRONT" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$FRONT" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$STATE/front.pid" "$STATE/demo.pid"
  if [[ ${#JOBS[@]} -gt 0 ]]; then
    log "cancelling demo jobs ${JOBS[*]}"
    scancel "${JOBS[@]}" 2>/dev/null || true
  fi
  if [[ $started_slurm == 1 ]]; then
    bash scripts/slurm-stop.sh
  fi
  log "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export HPC_LAB_STATE="$STATE/lab"
remote=()
# Jupyter refuses requests whose Host is not local unless told otherwise.
[[ $HOST == 127.0.0.1 || $HOST == localhost ]] || remote=(--ServerApp.allow_remote_access=True)
node server-proxy/bin/hpc-proxy front --host "$HOST" --port "$PORT" \
  --config "$STATE/config.json" --root "$STATE/root" -- \
  /usr/bin/python3 ui-tests/serve.py '--port={port}' --ServerApp.root_dir="$STATE/root" \
  --ServerApp.token="$TOKEN" --ServerApp.disable_check_xsrf=False "${remote[@]}" \
  >"$STATE/server.log" 2>&1 &
FRONT=$!
echo "$FRONT" >"$STATE/front.pid"

url="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do
  curl -sf -o /dev/null -H "Authorization: token $TOKEN" "$url/hpc/api/version" && break
  pid_alive "$STATE/front.pid" node || { tail -n 20 "$STATE/server.log"; die "the server did not start (log: $STATE/server.log)"; }
  sleep 0.2
done
version=$(curl -sf -H "Authorization: token $TOKEN" "$url/hpc/api/version") ||
  die "the server does not answer (log: $STATE/server.log)"
log "server: $(node -e '
  const v = JSON.parse(process.argv[1]), c = v.capabilities;
  const s = c.slurm.available ? `Slurm ${c.slurm.version} on ${c.slurm.clusters.join(",")}` : `no Slurm (${c.slurm.reason})`;
  console.log(`${v.name} ${v.version}; ${s}; Dask ${c.dask.available ? "yes" : "no"}; GPUs ${c.gpu.available ? c.gpu.count : "none"}`);
' "$version")"

# Demo jobs so the queue is not empty: running and pending ones, two users.
submit() { # submit USER sbatch-args...
  local user=$1 id
  shift
  if id=$(runuser -u "$user" -- sbatch --parsable -o "$STATE/jobs-out/%x-%j.out" "$@" 2>&1); then
    JOBS+=("${id%%;*}")
  else
    log "demo job not submitted ($user): $id"
  fi
}
if id alice >/dev/null 2>&1 && id bob >/dev/null 2>&1; then
  submit alice -J analysis --time=02:00:00 --wrap 'for i in $(seq 3600); do echo step $i; sleep 1; done'
  submit alice -J train-model -p gpu --gres=gpu:1 --time=01:00:00 --wrap 'echo GPUs: $CUDA_VISIBLE_DEVICES; sleep 3600'
  submit alice -J sweep --array=0-9%2 --wrap 'echo task $SLURM_ARRAY_TASK_ID; sleep 1800'
  submit alice -J held-until-ready --hold --wrap 'sleep 60'
  submit bob -J "bob's simulation" -c 2 --wrap 'sleep 3600'
  submit bob -J too-big -N 5 --wrap 'true'
  log "submitted demo jobs: ${JOBS[*]}"
else
  log "users alice and bob are absent (a site's Slurm?): no demo jobs submitted"
fi

shown_host=$HOST
[[ $HOST == 0.0.0.0 ]] && shown_host=$(hostname -f 2>/dev/null || hostname)
cat <<EOF

  JupyterLab with jupyterlab-hpc is running. Open:

      http://$shown_host:$PORT/lab?token=$TOKEN

  Help > HPC Suite Status shows what the server found. Logs: $STATE/server.log
  Press Ctrl-C to stop (the demo jobs are cancelled$([[ $started_slurm == 1 ]] && echo ' and Slurm is stopped')).

EOF
while pid_alive "$STATE/front.pid" node; do sleep 1; done
log "the server exited (log: $STATE/server.log)"
