"""Starts the bundled hpc-proxy with Node (>= 20): ``$JUPYTERLAB_HPC_NODE``,
else ``node`` on PATH. The root defaults to the current folder (Jupyter's).

    jupyterlab-hpc-proxy serve --socket /tmp/hpc.sock [--config FILE] [--root DIR]
    python -m jupyterlab_hpc.launcher --version
"""
import os
import shutil
import sys

from . import SERVER


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    node = os.environ.get("JUPYTERLAB_HPC_NODE") or shutil.which("node")
    if not node:
        sys.stderr.write(
            "jupyterlab-hpc: Node.js (>= 20) is needed to run the HPC server and was not found "
            "on PATH; install it or set JUPYTERLAB_HPC_NODE to its path.\n"
        )
        return 127
    if not os.path.isfile(SERVER):
        sys.stderr.write("jupyterlab-hpc: the server bundle %s is missing: reinstall the package.\n" % SERVER)
        return 1
    if args[:1] in (["serve"], ["front"]) and "--root" not in args:
        args += ["--root", os.getcwd()]
    # exec: signals from jupyter-server-proxy reach the server itself.
    os.execv(node, [node, SERVER] + args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
