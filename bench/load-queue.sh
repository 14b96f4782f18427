#!/usr/bin/env bash
# load-queue.sh N -- fill the test Slurm with N held jobs (bench only; minutes for 50,000),
# spread over root, alice and bob and the debug/gpu partitions, 4 submissions in parallel.
# They are tagged with --comment=hpc-bench; unload with: scancel --state=PENDING --name=bench
set -euo pipefail
N=${1:-50000}
have=$(squeue -h -n bench -t PD -o %i | wc -l)
need=$((N - have))
if [[ $need -le 0 ]]; then
  echo "load-queue: $have bench jobs already queued"
  exit 0
fi
echo "load-queue: submitting $need held jobs (have $have)..."
start=$SECONDS
seq 1 "$need" | xargs -P 4 -n 50 bash -c '
  for i in "$@"; do
    case $((i % 3)) in 0) u=root ;; 1) u=alice ;; *) u=bob ;; esac
    p=debug; [[ $((i % 5)) == 0 ]] && p=gpu
    if [[ $u == root ]]; then
      sbatch --hold -p "$p" -J bench -o /dev/null --wrap "sleep 100" >/dev/null
    else
      runuser -u "$u" -- sbatch --hold -p "$p" -J bench -o /dev/null --wrap "sleep 100" >/dev/null
    fi
  done' _
echo "load-queue: $(squeue -h -n bench -t PD -o %i | wc -l) bench jobs queued in $((SECONDS - start)) s"
