#!/usr/bin/env bash
# One-time set-up of the throwaway venv that runs the `fer` package's own FER(mtcnn=True) as the
# baseline of packages/perceive/benchmarks/vision (never used by reelmind itself).
#
#  - TensorFlow (CPU) + fer 25.10.3 (--no-deps: its moviepy/opencv-python pins are not needed)
#  - facenet-pytorch 2.6.0 (--no-deps) for fer's mtcnn=True path; torch is the main venv's CPU
#    torch 2.13, made visible through a .pth line (a CUDA torch must never be installed here)
#  - torchvision cannot be installed here (no CPU wheel on PyPI; it pulls CUDA torch). facenet-pytorch
#    imports exactly two things from it: ops.boxes.batched_nms (used by MTCNN.detect) and
#    transforms.functional.to_tensor (used only by extract_face, not on fer's path). A 30-line
#    pure-torch module provides them: the same greedy per-image NMS torchvision computes.
set -euo pipefail
VENV=${FER_VENV:-/tmp/fervenv}
MAIN_SITE=$(cd "$(dirname "$0")/.." && .venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
python3.11 -m venv "$VENV" 2>/dev/null || "$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python" -m venv --without-pip "$VENV"
"$VENV/bin/python" -m pip --version >/dev/null 2>&1 || "$VENV/bin/python" -m ensurepip -q
"$VENV/bin/pip" install -q tensorflow-cpu "opencv-python-headless<5" requests pillow pandas tqdm
"$VENV/bin/pip" install -q --no-deps fer==25.10.3 facenet-pytorch==2.6.0
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$MAIN_SITE" > "$SITE/zz_reelmind_main_venv.pth"   # appended last: the bench venv's own packages win
mkdir -p "$SITE/torchvision/ops" "$SITE/torchvision/transforms"
cat > "$SITE/torchvision/__init__.py" <<'PY'
"""Minimal stand-in for the two torchvision functions facenet-pytorch imports (bench venv only)."""
PY
cat > "$SITE/torchvision/ops/__init__.py" <<'PY'
from .boxes import batched_nms, nms  # noqa: F401
PY
cat > "$SITE/torchvision/ops/boxes.py" <<'PY'
import torch


def nms(boxes, scores, iou_threshold):
    order = scores.argsort(descending=True)
    x1, y1, x2, y2 = boxes.unbind(1)
    area = (x2 - x1) * (y2 - y1)
    keep = []
    while order.numel():
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = (torch.minimum(x2[i], x2[rest]) - torch.maximum(x1[i], x1[rest])).clamp(min=0)
        h = (torch.minimum(y2[i], y2[rest]) - torch.maximum(y1[i], y1[rest])).clamp(min=0)
        inter = w * h
        order = rest[inter / (area[i] + area[rest] - inter) <= iou_threshold]
    return torch.stack(keep) if keep else torch.empty(0, dtype=torch.int64)


def batched_nms(boxes, scores, idxs, iou_threshold):
    if boxes.numel() == 0:
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    offsets = idxs.to(boxes) * (boxes.max() + 1)
    return nms(boxes + offsets[:, None], scores, iou_threshold)
PY
cat > "$SITE/torchvision/transforms/__init__.py" <<'PY'
PY
cat > "$SITE/torchvision/transforms/functional.py" <<'PY'
import numpy as np
import torch


def to_tensor(pic):
    a = np.asarray(pic, dtype=np.float32)
    return torch.from_numpy(a.transpose(2, 0, 1).copy())
PY
"$VENV/bin/python" -c "from fer.fer import FER; FER(mtcnn=True); print('fer FER(mtcnn=True) ready in $VENV')"
