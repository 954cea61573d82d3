"""The VRAM guard reproduces the seed's four examples and clamps frames first, then resolution."""
import pytest

from reelmind.videogen.profiles import PROFILES, SEED_VRAM_EXAMPLES, get_profile
from reelmind.videogen.vram import budget_gb, clamp, fits, peak_gb


@pytest.mark.parametrize("profile,w,h,f,stated,fit", SEED_VRAM_EXAMPLES)
def test_seed_examples(profile, w, h, f, stated, fit):
    p = PROFILES[profile]
    assert fits(p, w, h, f) is fit
    if fit:  # the calibrated estimate gives the seed's stated peak
        assert peak_gb(p, w, h, f) == pytest.approx(stated, abs=0.1)


def test_seed_formula_on_the_12gb_tier():
    p = get_profile("12gb")
    assert peak_gb(p, 512, 320, 49) == pytest.approx(3 + 0.004 * 16 * 10 * (49 / 8 + 1))
    # the seed's constants double the 48/80 GB peaks, hence the per-tier coefficients
    assert 3 + 0.004 * 24 * 16 * (241 / 8 + 1) == pytest.approx(2 * 25, rel=0.05)
    assert PROFILES["a40-48gb"].coef_mb < 2.0 and PROFILES["h100-80gb"].coef_mb < 2.0


def test_clamp_reduces_frames_first_keeping_8k_plus_1():
    p = get_profile("12gb")
    c = clamp(p, 512, 320, 241)
    assert (c.width, c.height) == (512, 320) and c.frames < 241 and (c.frames - 1) % 8 == 0
    assert c.peak_gb <= c.budget_gb and c.clamped and c.steps[0].startswith("frames 241 ->")
    assert not fits(p, 512, 320, c.frames + 8)  # the largest 8k+1 that fits


def test_clamp_then_reduces_resolution_in_multiples_of_32():
    p = get_profile("12gb")
    c = clamp(p, 1280, 720, 121, min_frames=49)
    assert c.frames == 49 and c.width % 32 == 0 and c.height % 32 == 0 and c.width < 1280
    assert c.peak_gb <= c.budget_gb
    assert abs(c.width / c.height - 1280 / 720) < 0.15
    assert [s.split()[0] for s in c.steps] == ["snapped", "frames", "resolution"]
    meta = c.meta()
    assert meta["requested"] == [1280, 720, 121] and meta["clamped"] is True


def test_nothing_to_clamp_and_free_vram_lowers_the_budget():
    p = get_profile("48gb")
    c = clamp(p, 768, 512, 121)
    assert not c.clamped and c.steps == []
    assert budget_gb(p, free_gb=20.0) == pytest.approx(17.0)
    c = clamp(p, 768, 512, 241, free_gb=20.0)
    assert c.frames < 241 and c.peak_gb <= 17.0
