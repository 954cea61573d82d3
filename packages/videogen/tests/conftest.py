"""Make the helpers in this folder importable (pytest runs with --import-mode=importlib) and share fixtures."""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from vg_fixtures import faces, server  # noqa: E402,F401
