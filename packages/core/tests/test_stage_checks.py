"""Stage checks name what is missing without importing the stack."""

import os
import subprocess
import sys

from reelmind.core.stage import missing_modules


def test_missing_modules_names_the_fix_and_imports_nothing():
    before = set(sys.modules)
    reasons = missing_modules((("json", "json"), ("no_such_module_reelmind", "no-such-dist==1")), "faces")
    assert reasons == ["faces: python module no_such_module_reelmind is missing — fix: pip install no-such-dist==1"]
    assert missing_modules((("json", "json"),)) == []
    probe = "colorsys" if "colorsys" not in sys.modules else None
    if probe:
        missing_modules(((probe, probe),))
        assert probe not in sys.modules  # found, not imported
    assert not ({"no_such_module_reelmind"} & (set(sys.modules) - before))


def test_planning_a_run_imports_none_of_the_heavy_libraries():
    """``plan`` runs every stage's check before anything computes: it must stay cheap."""
    code = ("import sys; from reelmind.core.stage import discover_stages; "
            "from reelmind.pipeline.orchestrate import plan; plan(discover_stages(), {'video'}); "
            "print(sorted(m for m in ('cv2', 'dlib', 'scipy.signal', 'scipy.cluster', 'torch', 'chromadb', 'h5py',"
            " 'faster_whisper', 'ctranslate2', 'librosa', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "REELMIND_COMFYUI": "http://127.0.0.1:9"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
