#!/usr/bin/python3
"""Builds the demo gallery: example folders, a local git repository with a
real history, and the catalogue that names them.

usage: /usr/bin/python3 scripts/demo-gallery/build.py OUTDIR [--staging DIR]

OUTDIR/examples/...       local sources (a folder, single notebooks)
OUTDIR/repos/slurm-job-arrays   a git repository with several commits;
                          the curated entry is pinned to one commit, the staged
                          entry follows its branch, which has one commit more
OUTDIR/catalogue.json     the catalogue (curated and staged entries)

Commits are made with fixed names and dates, so the pinned commit is the same
on every machine. Existing OUTDIR content is replaced.
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def nb(cells, kernel="python3"):
    out = []
    for kind, text, *outputs in cells:
        cell = {"cell_type": kind, "metadata": {}, "source": text}
        if kind == "code":
            cell.update(execution_count=None, outputs=outputs[0] if outputs else [])
        out.append(cell)
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": kernel, "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [dict(c, id=f"c{i}") for i, c in enumerate(out)],
    }


def write(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        if isinstance(content, (dict, list)):
            json.dump(content, f, indent=1)
            f.write("\n")
        else:
            f.write(content)


def thumb(label, colour):
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180" viewBox="0 0 320 180">'
        f'<rect width="320" height="180" fill="{colour}"/>'
        '<text x="160" y="100" font-family="sans-serif" font-size="28" fill="#fff" '
        f'text-anchor="middle">{label}</text></svg>\n'
    )


DASK_ARRAYS = nb([
    ("markdown", "# Dask arrays on your allocation\n\nA NumPy-like array split in chunks, "
                 "computed in parallel by a Dask cluster. Start one from the **Dask** sidebar "
                 "(local or on Slurm) and insert its client code below, or run the next cell "
                 "for a small local cluster."),
    ("code", "from dask.distributed import Client, LocalCluster\n"
             "cluster = LocalCluster(n_workers=2, threads_per_worker=1)\n"
             "client = Client(cluster)\nclient"),
    ("code", "import dask.array as da\n"
             "x = da.random.random((4000, 4000), chunks=(1000, 1000))\n"
             "(x + x.T).mean().compute()"),
    ("markdown", "The dashboard link above shows the task stream while it computes. "
                 "See `data/README.md` for the sample data layout."),
    ("code", "client.close(); cluster.close()"),
])

MEMORY_USE = nb([
    ("markdown", "# How much memory does my notebook use?\n\nCompare what Python allocates "
                 "with the limit shown in the status bar's memory meter."),
    ("code", "import resource\n"
             "print(f\"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB\")"),
    ("code", "blocks = [bytearray(50 * 2**20) for _ in range(4)]  # 200 MiB: watch the meter\n"
             "print(f\"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB\")"),
    ("code", "del blocks"),
])

GPU_CHECK = nb([
    ("markdown", "# Which GPUs can this job see?\n\n*Submitted for review.* Lists the GPUs "
                 "(and MIG slices) visible to this process."),
    ("code", "import os, subprocess\nprint('CUDA_VISIBLE_DEVICES =', os.environ.get('CUDA_VISIBLE_DEVICES'))\n"
             "print(subprocess.run(['nvidia-smi', '-L'], capture_output=True, text=True).stdout)"),
])


def array_notebook(version):
    cells = [
        ("markdown", "# Slurm job arrays from a notebook\n\nWrite a job script, submit it as "
                     "an array of tasks and follow them in the **Slurm** sidebar."),
        ("code", "from pathlib import Path\nscript = Path('job.sh').read_text()\nprint(script)"),
        ("code", "import subprocess\n"
                 "r = subprocess.run(['sbatch', '--parsable', '--array=0-3', 'job.sh'],"
                 " capture_output=True, text=True)\n"
                 "print(r.stdout or r.stderr)"),
    ]
    if version >= 3:
        cells.append(("markdown", "Each task reads its index from `$SLURM_ARRAY_TASK_ID`; "
                                  "`%A_%a` in `--output` gives one log file per task."))
    if version >= 4:
        cells.append(("code", "# Under review: chain a summary job after the array\n"
                              "jid = r.stdout.strip()\n"
                              "subprocess.run(['sbatch', f'--dependency=afterok:{jid}', "
                              "'--wrap', 'cat array-*.out'])"))
    return nb(cells)


JOB_SH = {
    2: "#!/bin/bash\n#SBATCH --job-name=array-demo\n#SBATCH --time=00:05:00\n"
       "echo \"task $SLURM_ARRAY_TASK_ID on $(hostname)\"\nsleep 30\n",
    3: "#!/bin/bash\n#SBATCH --job-name=array-demo\n#SBATCH --time=00:05:00\n"
       "#SBATCH --output=array-%A_%a.out\n"
       "echo \"task $SLURM_ARRAY_TASK_ID on $(hostname)\"\nsleep 30\n",
}


def git(repo, *args, env=None):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


def build_repo(repo):
    os.makedirs(repo)
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    base.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null",
                GIT_AUTHOR_NAME="Gallery Maintainer", GIT_AUTHOR_EMAIL="gallery@example.org",
                GIT_COMMITTER_NAME="Gallery Maintainer",
                GIT_COMMITTER_EMAIL="gallery@example.org")
    git(repo, "init", "-q", "-b", "main", env=base)
    commits = {}
    steps = [
        (1, "First version: the notebook and a README"),
        (2, "Add the job script"),
        (3, "One output file per array task"),
        (4, "Chain a summary job after the array (under review)"),
    ]
    for version, message in steps:
        write(os.path.join(repo, "job-arrays.ipynb"), array_notebook(version))
        write(os.path.join(repo, "README.md"),
              "# Slurm job arrays\n\nOpen `job-arrays.ipynb`.\n" +
              ("\nThe job script is `job.sh`.\n" if version >= 2 else ""))
        if version >= 2:
            write(os.path.join(repo, "job.sh"), JOB_SH[min(version, 3)])
        if version == 1:
            write(os.path.join(repo, "thumb.svg"), thumb("job arrays", "#6b4ea8"))
        env = dict(base, GIT_AUTHOR_DATE=f"2026-01-0{version}T12:00:00Z",
                   GIT_COMMITTER_DATE=f"2026-01-0{version}T12:00:00Z")
        git(repo, "add", "-A", env=env)
        git(repo, "commit", "-q", "-m", message, env=env)
        commits[version] = git(repo, "rev-parse", "HEAD", env=env)
    return commits


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    out = os.path.abspath(args[0])
    if os.path.exists(out):
        shutil.rmtree(out)
    ex = os.path.join(out, "examples")
    write(os.path.join(ex, "dask-arrays", "dask-arrays.ipynb"), DASK_ARRAYS)
    write(os.path.join(ex, "dask-arrays", "thumb.svg"), thumb("dask.array", "#d35400"))
    write(os.path.join(ex, "dask-arrays", "data", "README.md"),
          "# Sample data\n\nPut your own arrays here (Zarr, HDF5).\n")
    write(os.path.join(ex, "memory-use.ipynb"), MEMORY_USE)
    write(os.path.join(ex, "staged", "gpu-check.ipynb"), GPU_CHECK)
    repo = os.path.join(out, "repos", "slurm-job-arrays")
    commits = build_repo(repo)
    url = "file://" + repo
    catalogue = {"examples": [
        {"id": "dask-arrays", "title": "Dask arrays on your allocation",
         "description": "Chunked NumPy-like arrays computed in parallel by a local or Slurm Dask cluster.",
         "tags": ["dask", "parallel"], "status": "curated", "author": "HPC support team",
         "kernel": "python3", "entry": "dask-arrays.ipynb", "thumbnail": "thumb.svg",
         "source": {"path": os.path.join(ex, "dask-arrays")}},
        {"id": "slurm-job-arrays", "title": "Slurm job arrays from a notebook",
         "description": "Write a job script, submit it as an array and follow the tasks in the queue panel.",
         "tags": ["slurm", "batch"], "status": "curated", "author": "Gallery Maintainer",
         "kernel": "python3", "entry": "job-arrays.ipynb", "thumbnail": "thumb.svg",
         "updated": "2026-01-03", "source": {"git": url, "ref": commits[3]}},
        {"id": "memory-use", "title": "How much memory does my notebook use?",
         "description": "Allocate memory step by step and watch the status bar's meter against your limit.",
         "tags": ["resources"], "status": "curated", "author": "HPC support team", "kernel": "python3",
         "source": {"path": os.path.join(ex, "memory-use.ipynb")}},
        {"id": "slurm-job-arrays-next", "title": "Slurm job arrays: dependency chains",
         "description": "The next version of the job-arrays example, following its main branch.",
         "tags": ["slurm", "batch"], "status": "staged", "author": "Gallery Maintainer",
         "kernel": "python3", "entry": "job-arrays.ipynb", "thumbnail": "thumb.svg",
         "source": {"git": url, "ref": "main"}},
        {"id": "gpu-check", "title": "Which GPUs can this job see?",
         "description": "Lists the GPUs and MIG slices visible to the kernel.",
         "tags": ["gpu"], "status": "staged", "author": "a user", "kernel": "python3",
         "source": {"path": os.path.join(ex, "staged", "gpu-check.ipynb")}},
    ]}
    write(os.path.join(out, "catalogue.json"), catalogue)
    for d, _, files in os.walk(out):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    print(os.path.join(out, "catalogue.json"))


main()
