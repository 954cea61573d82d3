"""Options of the ``microexpr`` stage (echoed into the output's metadata; config ``stages.microexpr``)."""

from __future__ import annotations

from dataclasses import dataclass

from reelmind.core.stage import runtime_option

#: The manifest entry of user-trained recogniser weights (``reelmind microexpr train`` exports them).
RECOGNISER_ENTRY = "microexpr-recogniser"


@dataclass
class MicroOptions:
    """Spotting (MDMD on a 6x6 block grid), flow backend, AU rules and the optional recogniser."""

    flow: str = "dis"  # dis (fast default) | farneback | tvl1 (accurate, cv2.optflow from opencv-contrib)
    crop: int = 128  # side of the canonical aligned face crop, px
    grid: int = 6  # blocks per side of the MDMD grid
    k_seconds: float = 0.16  # MDMD head/tail distance (frame i against i-k and i+k), k = round(fps * this), >= 1
    p: float = 0.3  # threshold T = mean + p * (max - mean) of the window's score signal
    min_score: float = 0.35  # absolute floor of T (px of main-direction flow on the canonical crop)
    noise_factor: float = 4.0  # and T >= median + noise_factor * MAD (robust noise level of the window)
    top_blocks: int = 4  # the frame score is the mean of the largest block differences
    min_duration: float = 1 / 25  # s: shortest micro-expression kept
    max_duration: float = 0.5  # s: longest micro-expression kept
    merge_gap: float = 0.04  # s: intervals closer than this are merged
    window_seconds: float = 20.0  # a track is spotted in windows of at most this length (bounded memory)
    track_gap: float = 0.6  # s: face samples of one person further apart than this start a new track
    min_track_seconds: float = 0.3  # shorter tracks are not analysed
    max_tracks_faces: int = 0  # analyse at most this many simultaneous faces per frame (0 = all)
    recogniser: str = RECOGNISER_ENTRY  # manifest name or path of recogniser ONNX weights ('' = none)
    visualise: bool = True  # keep apex crop / flow PNGs in the table for the publish step
    threads: int = runtime_option(0)  # OpenCV threads (0 = OpenCV's default)
