"""The test-bed JupyterLab: our webpack-built JupyterLab 4.6.4 front end served
by Debian's jupyterlab_server (LabServerApp) on Debian's jupyter_server 1.23.

Run with Debian's interpreter (the pyenv python3 on PATH can't see it):
    /usr/bin/python3 serve.py --port=8888 --ServerApp.root_dir=DIR [--ServerApp.token=T]

Defaults are for tests (no token, no XSRF check, loopback); options given
on the command line replace them.
Environment:
    HPC_LAB_STATE      directory for user settings and workspaces (default .lab-state)
    HPC_LABEXTENSIONS  extra prebuilt-extension directories, ':'-separated
"""
import json
import os
import sys

from jupyter_server.base.handlers import APIHandler
from jupyterlab_server import LabServerApp
from tornado import web, websocket
from traitlets import default

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
os.environ["JUPYTER_NO_CONFIG"] = "1"  # ignore ~/.jupyter config files

with open(os.path.join(REPO, "package.json")) as fid:
    VERSION = json.load(fid)["version"]

STATE = os.environ.get("HPC_LAB_STATE") or os.path.join(HERE, ".lab-state")


# Two jupyter_server 2.x endpoints that the JupyterLab 4 front end calls and
# jupyter_server 1.23 lacks; without them Lab only logs console errors.
class MeShim(APIHandler):
    """GET /api/me (identity API, jupyter_server >= 2.0)."""

    @web.authenticated
    def get(self):
        name = os.environ.get("USER") or "user"
        self.finish(json.dumps({
            "identity": {"username": name, "name": name, "display_name": name,
                         "initials": name[:1].upper(), "avatar_url": None, "color": None},
            "permissions": {},
        }))


class EventsShim(websocket.WebSocketHandler):
    """WS /api/events/subscribe (event bus, jupyter_server >= 2.0): accept, never emit."""

    def on_message(self, message):
        pass


class HpcTestbedLab(LabServerApp):
    name = __name__
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_name = "JupyterLab (jupyterlab-hpc test bed)"
    app_version = VERSION
    app_settings_dir = os.path.join(HERE, "settings")
    schemas_dir = os.path.join(HERE, "build", "schemas")
    static_dir = os.path.join(HERE, "build")
    templates_dir = os.path.join(HERE, "templates")
    themes_dir = os.path.join(HERE, "build", "themes")
    user_settings_dir = os.path.join(STATE, "user_settings")
    workspaces_dir = os.path.join(STATE, "workspaces")

    # Our prebuilt extension, found the way a real JupyterLab finds installed
    # ones (share/jupyter/labextensions/<name>/), not whatever is in
    # /usr/share/jupyter. The folder must carry the package's name.
    @default("labextensions_path")
    def _default_labextensions_path(self):
        installed = os.path.join(STATE, "labextensions")
        os.makedirs(installed, exist_ok=True)
        link = os.path.join(installed, "jupyterlab-hpc")
        if not os.path.islink(link):
            os.symlink(os.path.join(REPO, "jupyterlab_hpc", "labextension"), link)
        extra = [p for p in os.environ.get("HPC_LABEXTENSIONS", "").split(":") if p]
        return [installed] + extra

    def initialize_handlers(self):
        super().initialize_handlers()
        self.handlers.extend([(r"/api/me", MeShim), (r"/api/events/subscribe", EventsShim)])

    def initialize_settings(self):
        super().initialize_settings()
        self.serverapp.web_app.settings["terminals_available"] = False


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": HpcTestbedLab}]


# Test defaults (no token, loopback); an option given on the command line wins
# (traitlets refuses the same option twice).
DEFAULTS = {
    "ServerApp.ip": "127.0.0.1",
    "ServerApp.port_retries": "0",
    "ServerApp.open_browser": "False",
    "ServerApp.token": "",
    "ServerApp.password": "",
    "ServerApp.disable_check_xsrf": "True",
    "ServerApp.allow_root": "True",
}

if __name__ == "__main__":
    given = {arg[2:].split("=", 1)[0] for arg in sys.argv[1:] if arg.startswith("--")}
    defaults = [f"--{k}={v}" for k, v in DEFAULTS.items() if k not in given]
    HpcTestbedLab.launch_instance(argv=defaults + sys.argv[1:])
