#!/usr/bin/env bash
# Check that each named reelmind distribution installs ALONE in a fresh venv (pulling only what it
# declares, plus local reelmind wheels it depends on) and imports.
#   bash tools/check_standalone.sh core native fuse
# Local wheels are built into a wheelhouse; third-party dependencies come from the package index.
# With uv (installed by tools/setup.sh) wheels, venvs and installs share one cache: ~5x faster than pip.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python3}
uv=${UV:-$(command -v uv || true)}
[ -z "$uv" ] && [ -x "$root/.venv/bin/uv" ] && uv="$root/.venv/bin/uv"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
house="$work/wheels"; mkdir -p "$house"
quiet() { grep -v -e "is ignored" -e "^$" || true; }
declare -A import_of=([core]=reelmind.core [native]=reelmind.native [perceive]=reelmind.perceive [fuse]=reelmind.fuse
                      [cognition]=reelmind.cognition [reelmind]=reelmind.pipeline.cli [eval]=reelmind.eval.cli
                      [promptgen]=reelmind.promptgen [videogen]=reelmind.videogen.cli [microexpr]=reelmind.microexpr)
# build every local wheel once (native from source with scikit-build-core)
for p in "$root" "$root"/packages/*/; do
  if [ -n "$uv" ]; then "$uv" build -q --wheel --python "$py" --out-dir "$house" "$p" 2>&1 | quiet
  else "$py" -m pip wheel -q --no-deps -w "$house" "$p" 2>&1 | quiet; fi
done
status=0
for name in "$@"; do
  dist="reelmind-$name"; [ "$name" = reelmind ] && dist=reelmind
  env="$work/venv-$name"
  if [ -n "$uv" ]; then
    "$uv" venv -q --python "$py" "$env" && install() { "$uv" pip install -q --python "$env/bin/python" --find-links "$house" "$dist"; }
  else
    "$py" -m venv "$env" && install() { "$env/bin/python" -m pip install -q --find-links "$house" "$dist"; }
  fi
  if install 2>&1 | quiet && \
     "$env/bin/python" -c "import importlib; importlib.import_module('${import_of[$name]}'); print('ok: $dist alone ->', sorted(d.metadata['Name'] for d in __import__('importlib.metadata').metadata.distributions() if d.metadata['Name'].startswith('reelmind')))"; then
    :
  else
    echo "FAIL: $dist does not install/import alone"; status=1
  fi
done
exit $status
