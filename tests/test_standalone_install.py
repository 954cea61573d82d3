"""Each light distribution installs alone in a fresh venv and imports (native built from source).

perceive and cognition pull torch/ChromaDB-sized stacks; they are checked by the same script
outside the default run (see bench/RESULTS.md, 'standalone installs').
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_native_fuse_umbrella_install_alone():
    res = subprocess.run(["bash", str(ROOT / "tools" / "check_standalone.sh"), "core", "native", "fuse", "reelmind"],
                         capture_output=True, text=True, timeout=1200, env={**os.environ, "PYTHON": _base_python()})
    assert res.returncode == 0, res.stdout + res.stderr
    assert "ok: reelmind-core alone -> ['reelmind-core']" in res.stdout
    assert "ok: reelmind-fuse alone -> ['reelmind-core', 'reelmind-fuse', 'reelmind-native']" in res.stdout
    assert "ok: reelmind alone -> ['reelmind', 'reelmind-core']" in res.stdout


def _base_python() -> str:
    """The interpreter the venv was made from (a fresh venv must not inherit our site-packages)."""
    return getattr(sys, "_base_executable", sys.executable)
