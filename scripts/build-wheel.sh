#!/usr/bin/env bash
# build-wheel.sh -- the Python wheel, built offline with Debian's hatchling and build
# (no PyPI): the prebuilt extension under share/jupyter/labextensions/jupyterlab-hpc,
# the server as one Node file (server-proxy/dist/hpc-proxy.cjs) with a Python launcher,
# and the jupyter-server-proxy entry point "hpc".
#   bash scripts/build-wheel.sh [--prod] [OUTDIR]    (default OUTDIR: dist/)
#   --prod   rebuild the extension in production mode first (what a release ships);
#            without it, the extension already built in jupyterlab_hpc/labextension is used
#            (built in production mode if there is none).
set -euo pipefail
HPC_SCRIPT=build-wheel
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
prod=0
if [[ ${1-} == --prod ]]; then prod=1; shift; fi
out=${1:-dist}

versions=$(node -e '
  const v = f => require(require("path").resolve(f)).version;
  console.log(v("package.json"), v("server-proxy/package.json"));')
py=$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml)
read -r npm_v server_v <<<"$versions"
[[ $npm_v == "$server_v" && $npm_v == "$py" ]] ||
  die "versions differ: package.json $npm_v, server-proxy $server_v, pyproject.toml $py"

if [[ $prod == 1 || ! -f jupyterlab_hpc/labextension/package.json ]]; then
  log "building the extension (production)"
  npm run -s build:lib
  npm run -s build:labextension
fi
log "bundling the server"
npm run -s bundle -w server-proxy
install -D -m 644 server-proxy/dist/hpc-proxy.cjs jupyterlab_hpc/server/hpc-proxy.cjs
log "building the wheel"
# Debian's hatchling lists `editables`, which Debian 12 does not package (only
# editable installs use it): hence --skip-dependency-check.
/usr/bin/python3 -m build --no-isolation --skip-dependency-check --wheel --outdir "$out" >/dev/null
wheel="$out/jupyterlab_hpc-$py-py3-none-any.whl"
chmod 644 "$wheel"
echo "$wheel"
