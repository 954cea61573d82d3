#!/usr/bin/env bash
# One-time set-up of a fresh machine: Debian tools, a Python 3.11 venv in .venv with the offline
# model stack, the native kernels and every reelmind package (editable), then sample media.
# Idempotent: safe to re-run. Needs only apt + the package registries.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=${VENV:-$root/.venv}

apt_pkgs="ffmpeg flite espeak-ng sox chromium pocketsphinx-testdata alsa-utils"
missing=""
for p in $apt_pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> apt-get install$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "==> missing Debian packages:$missing (run: sudo apt-get install$missing)" >&2; exit 1
  fi
fi

py=${PYTHON:-}
if [ -z "$py" ]; then
  for cand in python3.11 python3.12 python3; do command -v "$cand" >/dev/null && { py=$cand; break; }; done
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "==> creating $venv with $py"
  "$py" -m venv "$venv"
fi
pip="$venv/bin/python -m pip"
quiet() { grep -v -e "is ignored" -e "^$" || true; }
$pip install -q --upgrade pip 2>&1 | quiet
echo "==> torch (CPU build) first"
$pip install -q torch==2.13.0 2>&1 | quiet
echo "==> OpenCV: the contrib build (cv2.optflow TV-L1) replaces opencv-python-headless (both ship cv2)"
if $pip show -q opencv-python-headless >/dev/null 2>&1; then
  $pip uninstall -y -q opencv-python-headless 2>&1 | quiet
  $pip install -q --force-reinstall --no-deps "opencv-contrib-python-headless<5" 2>&1 | quiet  # restore the shared cv2 files
fi
echo "==> default model stack"
$pip install -q -r requirements/default.txt 2>&1 | quiet
$pip install -q --no-deps -r requirements/nodeps.txt 2>&1 | quiet
"$venv/bin/python" - <<'PY'
import importlib.metadata as md, cv2
both = [d for d in ("opencv-python-headless", "opencv-python") if any(x.metadata["Name"] == d for x in md.distributions())]
assert not both, f"{both} installed beside opencv-contrib-python-headless: pip uninstall -y {' '.join(both)} && pip install --force-reinstall --no-deps 'opencv-contrib-python-headless<5'"
assert hasattr(cv2, "optflow"), "cv2.optflow (TV-L1) missing: install opencv-contrib-python-headless<5"
assert not cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml").empty(), "OpenCV without Haar cascades (5.x?): pin <5"
print("OpenCV", cv2.__version__, "contrib: optflow + Haar cascades ok")
PY
echo "==> native kernels (scikit-build-core + pybind11)"
$pip install -q --no-build-isolation --no-deps . 2>&1 | quiet
echo "==> reelmind packages"
pkgs=""
for p in core perceive fuse cognition promptgen videogen microexpr eval reelmind; do
  [ -f "packages/$p/pyproject.toml" ] && pkgs="$pkgs -e packages/$p"
done
$pip install -q --no-build-isolation --no-deps $pkgs 2>&1 | quiet
echo "==> one-time model set-up"
"$venv/bin/python" -m reelmind.perceive.audio.text_emotion setup  # text-emotion encoder (ONNX, once)
"$venv/bin/python" -m reelmind.core.sentence setup  # MiniLM sentence encoder for memory (ONNX, once)
"$venv/bin/python" tools/setup_audio_models.py  # last: it also lists what the audio stage still misses
echo "==> sample media"
PYTHON="$venv/bin/python" bash tools/fetch_media.sh
"$venv/bin/python" -c "import reelmind.core, reelmind.native; print('reelmind set up in $venv')"
