#!/bin/bash
#SBATCH --job-name=hello
#SBATCH --time=00:05:00
#SBATCH --output=hello-%j.out
# A first batch job: prints where it runs, then waits a little.
echo "hello from job $SLURM_JOB_ID on $(hostname)"
sleep 30
