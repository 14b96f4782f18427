#!/usr/bin/env bash
# install-deps.sh -- install every Debian package the demo and the tests need. Idempotent:
# when everything is there it is one dpkg-query call (no apt-get) and takes a few ms.
#   --check   only list what is missing (works as any user); exit 1 if something is
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PKGS=(
  # Jupyter server side of the test-bed Lab; always run it with /usr/bin/python3 (pyenv's
  # python3 on PATH cannot see Debian's dist-packages)
  python3-jupyter-server python3-jupyterlab-server python3-ipykernel
  chromium                           # browser for the UI tests (Playwright executablePath)
  slurm-wlm munge                    # a real single-host Slurm (scripts/slurm-start.sh)
  slurmdbd mariadb-server            # accounting, so that sacct works
  # Dask clusters as Slurm jobs; prometheus-client gives the scheduler its /metrics (and
  # python3-jupyter-server depends on it: never purge it)
  python3-distributed python3-numpy python3-prometheus-client
  git curl                           # gallery clones; health checks in scripts
  acl                                # setfacl: the UI tests' user may pass through a checkout's parents
  python3-hatchling python3-build python3-pip  # the Python wheel, built offline (scripts/build-wheel.sh) and installed in a test
)

require_debian
start=$EPOCHREALTIME
mapfile -t missing < <(pkg_missing "${PKGS[@]}")

if [[ ${1-} == --check ]]; then
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "all ${#PKGS[@]} packages installed"
    exit 0
  fi
  echo "missing: ${missing[*]}"
  exit 1
fi
require_root "it installs Debian packages"

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PKGS[@]} packages already installed ($(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN{printf "%.2f", e-s}') s)"
  exit 0
fi
apt_install "${missing[@]}"
echo "install-deps: installed ${missing[*]} in $(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN{printf "%.0f", e-s}') s"
