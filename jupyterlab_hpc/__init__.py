"""jupyterlab-hpc: the JupyterLab extension (installed as a prebuilt extension
under share/jupyter/labextensions/jupyterlab-hpc) and its server, hpc-proxy,
a single-file Node program started by jupyter-server-proxy (entry point
``hpc``) on a private unix socket."""
import os
import sys

__version__ = "0.1.0"

HERE = os.path.dirname(os.path.abspath(__file__))
#: The server, bundled with its dependencies (Node >= 20 runs it).
SERVER = os.path.join(HERE, "server", "hpc-proxy.cjs")
ICON = os.path.join(HERE, "icon.svg")


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-hpc"}]


def site_config():
    """The site configuration file: $JUPYTERLAB_HPC_CONFIG, else the first of
    <sys.prefix>/etc/jupyterlab-hpc/config.json and /etc/jupyterlab-hpc/config.json
    that exists, else None (the server's defaults)."""
    named = os.environ.get("JUPYTERLAB_HPC_CONFIG")
    if named:
        return named
    for candidate in (
        os.path.join(sys.prefix, "etc", "jupyterlab-hpc", "config.json"),
        "/etc/jupyterlab-hpc/config.json",
    ):
        if os.path.isfile(candidate):
            return candidate
    return None


def server_command(socket="{unix_socket}"):
    """The command that serves the API on ``socket`` (created mode 0600)."""
    command = [sys.executable, "-m", "jupyterlab_hpc.launcher", "serve", "--socket", socket]
    config = site_config()
    if config:
        command += ["--config", config]
    return command


def setup_hpc_proxy():
    """jupyter-server-proxy's entry (``jupyter_serverproxy_servers``: ``hpc``):
    the server on a unix socket, so no other user of a shared login node can
    reach it, mounted at ``{base_url}hpc/`` where the extension calls it."""
    return {
        "command": server_command(),
        "unix_socket": True,
        "timeout": 30,
        "absolute_url": False,
        "new_browser_tab": False,
        "launcher_entry": {
            "enabled": False,
            "title": "HPC Suite",
            "icon_path": ICON,
        },
    }
