#!/usr/bin/env bash
# GPU-tier check: the throughput of every installed stage at the tier's batch sizes, as one JSON
# table on stdout (bench/stage_throughput.py). Short by design: <= 8 minutes on a GPU machine.
#
# With an NVIDIA GPU: onnxruntime-gpu replaces onnxruntime (never beside it) when the installed
# build has no CUDA provider, the profile is chosen from the GPU's memory (or $PROFILE), and ONNX
# sessions take TensorRT -> CUDA -> CPU, whichever the build offers. Without one: cpu-2core.
# Stages not installed yet (being built) are discovered when they appear; absent ones are named.
#
# Usage: bash bench/gpu_check.sh            (env: PYTHON, PROFILE, REPEAT, FILM, LIMIT_S)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$root/.venv/bin/python}
[ -x "$py" ] || py=$(command -v python3)
limit=${LIMIT_S:-450}
say() { echo "gpu_check: $*" >&2; }

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  say "GPU: $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | head -1)"
  profile=${PROFILE:-auto}
  if ! "$py" -c "import onnxruntime as o, sys; sys.exit('CUDAExecutionProvider' not in o.get_available_providers())" 2>/dev/null; then
    wheels=$(mktemp -d)
    if "$py" -m pip download -q --no-deps -d "$wheels" onnxruntime-gpu >/dev/null 2>&1; then
      "$py" -m pip uninstall -y -q onnxruntime >/dev/null 2>&1 || true
      "$py" -m pip install -q --no-deps "$wheels"/onnxruntime_gpu-*.whl && say "installed onnxruntime-gpu"
    else
      say "onnxruntime-gpu could not be downloaded (offline?): the ONNX stages run on the CPU provider"
    fi
    rm -rf "$wheels"
  fi
else
  say "no GPU: cpu-2core profile"
  profile=${PROFILE:-cpu-2core}
fi
"$py" -c "import onnxruntime as o; print('gpu_check: onnxruntime', o.__version__, o.get_available_providers())" >&2
cd "$root"
args=(--profile "$profile" --repeat "${REPEAT:-2}")
[ -n "${FILM:-}" ] && args+=(--film "$FILM")
exec timeout "$limit" "$py" bench/stage_throughput.py "${args[@]}"
