"""The AU rules' lip-corner reference on landmark displacements (IOD units)."""

import numpy as np
import pytest


def _jaw_drop(d: float) -> np.ndarray:
    """Opening the mouth by ``d`` IOD: lower lip and chin move d, the lip corners half of it, the upper lip not."""
    disp = np.zeros((68, 2))
    disp[[6, 7, 8, 9, 10, 55, 56, 57, 58, 59, 65, 66, 67], 1] = d
    disp[[48, 54, 60, 64], 1] = d / 2
    return disp


def test_midline_reference_cancels_a_jaw_drop_but_keeps_the_planted_lip_corner_aus():
    from reelmind.microexpr.align import TEMPLATE
    from reelmind.microexpr.au import evidence, proxy_of
    from reelmind.microexpr.warp import displacement

    crop, mid = evidence(_jaw_drop(0.1)), evidence(_jaw_drop(0.1), "midline")
    assert crop["AU15"] == pytest.approx(0.05)  # speech reads as a lip-corner pull down from the crop
    assert abs(mid["AU15"]) < 1e-9 and abs(mid["AU12"]) < 1e-9
    assert proxy_of(crop).au.startswith("AU15 ") and proxy_of(mid, lips="midline").au == ""
    for au in ("AU12", "AU15"):  # the warps that plant them leave the midline where it is
        disp = displacement(TEMPLATE, au, 0.05)
        assert evidence(disp, "midline")[au] == pytest.approx(evidence(disp)[au]) and evidence(disp)[au] > 0.04
        proxy = proxy_of(evidence(disp, "midline"), lips="midline")
        assert proxy.au.startswith(au + " ") and "against the lips' midline" in proxy.rule
    for au in ("AU1+2", "AU4", "AU9", "AU24"):  # the other rules do not read the lip corners
        disp = displacement(TEMPLATE, au, 0.05)
        assert evidence(disp, "midline")[au] == pytest.approx(evidence(disp)[au])


def test_an_unknown_lip_reference_is_a_one_line_config_error():
    from reelmind.core.errors import ConfigError
    from reelmind.microexpr.options import MicroOptions
    from reelmind.microexpr.spot import SpotSettings

    with pytest.raises(ConfigError, match="unknown lip reference 'chin'.*choose crop or midline"):
        SpotSettings.of(MicroOptions(lip_reference="chin"))
