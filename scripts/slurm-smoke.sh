#!/usr/bin/env bash
# slurm-smoke.sh -- quick real checks of the cluster from slurm-start.sh (run as root; jobs
# are submitted as root, alice and bob). Ends with "N passed, M failed"; exit 0 only if M is 0.
# Every job it submitted is cancelled on exit, whatever happens.
#   SMOKE_DASK=1   also run a Dask scheduler + 2 workers as alice's jobs (if /usr/bin/dask exists)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root "it submits jobs as alice and bob through runuser"
SMOKE_DASK=${SMOKE_DASK:-1}
t0=$EPOCHREALTIME

for u in alice bob; do
  id "$u" >/dev/null 2>&1 || die --status 2 "user $u is missing (scripts/slurm-start.sh creates it)"
done
command -v sbatch >/dev/null || die --status 2 "sbatch not found (run scripts/slurm-start.sh)"
ctld_up ||
  die --status 2 "the Slurm controller does not answer (run scripts/slurm-start.sh)"

W=$(mktemp -d /tmp/slurm-smoke.XXXXXX)
chmod 1777 "$W" # alice and bob write their job output here
cd "$W"
pass=0 fail=0 JOBS=()

cleanup() {
  local ids i
  if [[ ${#JOBS[@]} -gt 0 ]]; then
    scancel "${JOBS[@]}" 2>/dev/null || true
    # leave a clean queue for whatever runs next: wait (<= 10 s) for COMPLETING to end
    ids=$(IFS=,; echo "${JOBS[*]}")
    for ((i = 0; i < 100; i++)); do
      [[ -z $(squeue -h -j "$ids" -t PD,R,CG,S -o %A 2>/dev/null) ]] && break
      sleep 0.1
    done
  fi
  cd /
  rm -rf "$W"
}
trap cleanup EXIT

ok() {
  echo "ok   - $*"
  pass=$((pass + 1))
}
bad() {
  echo "FAIL - $*"
  fail=$((fail + 1))
}
check() { # check DESCRIPTION COMMAND...: ok if the command succeeds
  local d=$1
  shift
  if "$@"; then ok "$d"; else bad "$d"; fi
}
as() { # as USER COMMAND...
  local u=$1
  shift
  if [[ $u == root ]]; then "$@"; else runuser -u "$u" -- "$@"; fi
}
submit() { # submit VAR USER SBATCH-ARGS...: job id into VAR, remembered for the cleanup
  local var=$1 id
  shift
  printf -v "$var" '%s' 0 # a harmless id for the checks that follow a failed submit
  id=$(as "$@") || return 1
  [[ $id =~ ^[0-9]+$ ]] || return 1
  JOBS+=("$id")
  printf -v "$var" '%s' "$id"
}
wait_for() { # wait_for TRIES COMMAND...: poll every 0.1 s
  local n=$1 i
  shift
  for ((i = 0; i < n; i++)); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  return 1
}
state_is() { [[ $(squeue -h -j "$1" -o %T 2>/dev/null) == "$2" ]]; }
nonempty() { [[ -s $1 ]]; }

# shellcheck disable=SC2016 # $SLURM_JOB_ID is for the job's shell
check "root sbatch --parsable" submit R root sbatch --parsable -J smoke-root -o "$W/r-%j.out" --wrap 'echo hi from $SLURM_JOB_ID'
check "alice sbatch" submit A alice sbatch --parsable -J smoke-a -o /dev/null --wrap 'sleep 60'
check "bob sbatch -p gpu" submit B bob sbatch --parsable -J smoke-b -p gpu -o /dev/null --wrap 'sleep 60'
check "alice's job $A RUNNING" wait_for 100 state_is "$A" RUNNING
check "root's job $R wrote its output" wait_for 100 nonempty "$W/r-$R.out"

# a user cannot cancel another user's job: rc 210 (ESLURM_ACCESS_DENIED & 0xff)
rc=0
out=$(as alice scancel "$B" 2>&1) || rc=$?
if [[ $rc == 210 && $out == *"Access/permission denied"* ]]; then
  ok "alice cannot scancel bob's job: rc=$rc '$out'"
else
  bad "cross-user scancel: rc=$rc '$out'"
fi
check "bob's job $B still RUNNING" state_is "$B" RUNNING

check "alice sbatch --hold" submit H alice sbatch --parsable --hold -J smoke-hold -o /dev/null --wrap 'sleep 1'
r=$(squeue -h -j "$H" -o '%T %r' 2>/dev/null || true)
check "held job $H is PENDING JobHeldUser ('$r')" [ "$r" == "PENDING JobHeldUser" ]
check "alice releases it" as alice scontrol release "$H"
not_pending() { [[ $(squeue -h -j "$1" -o %T 2>/dev/null) != PENDING ]]; }
check "released job $H leaves PENDING" wait_for 50 not_pending "$H"

check "bob sbatch --array=0-9%2" submit AR bob sbatch --parsable --array=0-9%2 -J smoke-arr -o /dev/null --wrap 'sleep 2'
n=$(squeue -h -r -j "$AR" -o %i 2>/dev/null | wc -l || true)
check "array $AR: squeue -r lists 10 tasks ($n)" [ "$n" == 10 ]
# the reason is "None" until the scheduler's next pass
throttled() { [[ $(squeue -h -j "$AR" -t PENDING -o %r 2>/dev/null) == JobArrayTaskLimit* ]]; }
check "array throttle %2 -> pending reason JobArrayTaskLimit" wait_for 100 throttled

# (outputs are captured before matching: "cmd | grep -q" can fail with pipefail, see lib.sh)
if [[ $(scontrol show node 2>/dev/null) == *Gres=gpu* ]]; then
  # shellcheck disable=SC2016 # $CUDA_VISIBLE_DEVICES is for the job's shell
  check "alice sbatch -p gpu --gres=gpu:2" submit G alice sbatch --parsable -p gpu --gres=gpu:2 -J smoke-gpu \
    -o "$W/g-%j.out" --wrap 'echo $CUDA_VISIBLE_DEVICES'
  wait_for 100 nonempty "$W/g-$G.out" || true
  g=$(cat "$W/g-$G.out" 2>/dev/null || true)
  check "--gres=gpu:2 -> CUDA_VISIBLE_DEVICES=0,1 ('$g')" [ "$g" == 0,1 ]
else
  bad "no Gres=gpu on the node (SLURM_FAKE_GPUS=0?)"
fi

json_ok() {
  squeue --json 2>/dev/null | /usr/bin/python3 -c \
    'import json, sys; assert json.load(sys.stdin)["meta"]["plugin"]["type"] == "openapi/v0.0.38"' 2>/dev/null
}
check "squeue --json parses (openapi/v0.0.38)" json_ok

if [[ $SMOKE_DASK == 1 && -x /usr/bin/dask ]]; then
  # Dask as Slurm jobs: 1 scheduler + an array of 2 workers, joined through a scheduler file
  F=$W/sched.json
  check "dask scheduler sbatch" submit S alice sbatch --parsable -J dask-scheduler -o "$W/sched-%j.log" --wrap \
    "exec /usr/bin/dask scheduler --scheduler-file $F --host 127.0.0.1 --port 0 --dashboard-address 127.0.0.1:0"
  wait_for 200 nonempty "$F" || true
  check "dask workers sbatch --array=0-1" submit K alice sbatch --parsable -J dask-worker --array=0-1 -o "$W/worker-%A_%a.log" --wrap \
    "exec /usr/bin/dask worker --scheduler-file $F --nthreads 1 --memory-limit 1GB --name w\$SLURM_ARRAY_TASK_ID --local-directory $W/ws-\$SLURM_JOB_ID"
  port=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['services']['dashboard'])" "$F" 2>/dev/null || true)
  workers() {
    [[ $(curl -fs "http://127.0.0.1:$port/json/counts.json" 2>/dev/null |
      /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["workers"])' 2>/dev/null) == 2 ]]
  }
  check "dask scheduler job $S sees 2 worker jobs (dashboard port ${port:-?})" wait_for 300 workers
  health_ok() { [[ $(curl -fs "http://127.0.0.1:$port/health" 2>/dev/null) == ok ]]; }
  metrics_ok() { [[ $'\n'$(curl -fs "http://127.0.0.1:$port/metrics" 2>/dev/null) == *$'\n'dask_scheduler_workers* ]]; }
  check "dask /health is ok" health_ok
  check "dask /metrics has dask_scheduler_workers" metrics_ok
  scancel "$S" 2>/dev/null || true
  gone() { [[ -z $(squeue -h -j "$S,$K" -o %A 2>/dev/null) ]]; }
  check "scancel of the scheduler job ends the worker jobs too" wait_for 150 gone
fi

if [[ $(scontrol show config 2>/dev/null) =~ AccountingStorageType\ *=\ accounting_storage/slurmdbd ]]; then
  completed() { [[ $(sacct -a -X -n -P -o JobID,State -j "$R" 2>/dev/null) == "$R|COMPLETED" ]]; }
  check "sacct shows job $R COMPLETED" wait_for 100 completed
else
  echo "skip - sacct (accounting is off: SLURM_DBD=0)"
fi

echo "smoke took $(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN{printf "%.1f", e-s}') s"
echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
