"""Options of the ``microexpr`` stage (echoed into the output's metadata; config ``stages.microexpr``)."""

from __future__ import annotations

from dataclasses import dataclass

from reelmind.core.stage import runtime_option

from .spot import SpotSettings as _S

#: The manifest entry of user-trained recogniser weights (``reelmind microexpr train`` exports them).
RECOGNISER_ENTRY = "microexpr-recogniser"


@dataclass
class MicroOptions:
    """Spotting (MDMD on a 6x6 block grid, see :mod:`.spot`), flow backend, AU rules and the optional recogniser."""

    flow: str = "farneback"  # farneback (default) | dis (fastest) | tvl1 (the literature's, ~100x slower; cv2.optflow)
    crop: int = 128  # side of the canonical aligned face crop, px
    follow: bool = True  # fit each frame's landmarks from the previous frame's box moved by the face's image motion (the faces stage's box anchors the track only; False: from the faces stage's interpolated box)
    min_ecc: float = 0.8  # follow: the image motion is trusted while ECC's correlation of the two patches is >= this; under it (a cut, an occlusion) the track is anchored again, and each anchor's frames are spotted apart (0 = never; bench/RESULTS.md round 8)
    align_smooth: float = 0.0  # s: each crop's alignment is the mean similarity of the frames within this (0 = the frame's own; 0.07 measured, bench/RESULTS.md round 7)
    method: str = _S.method  # au: AU evidence of the landmarks' residual motion | median: block residuals | mdmd: classic
    baseline_seconds: float = _S.baseline_seconds  # median: baseline over +- this (> 2 x the longest event / 2)
    key_seconds: float = _S.key_seconds  # median: flows from a key frame, a new key every this long
    cell: int = _S.cell  # median: px side of the cells whose displacement is followed
    k_seconds: float = _S.k_seconds  # mdmd: head/tail distance, k = round(fps * this)
    grid: int = _S.grid  # blocks per side of the MDMD grid
    top_blocks: int = _S.top_blocks  # the frame score is the mean of the largest block excesses
    segment_seconds: float = _S.segment_seconds  # block baselines and the threshold are local to a segment this long
    p: float = _S.p  # threshold T = mean + p * (max - mean) of the segment's score ...
    noise_factor: float = _S.noise_factor  # ... and T >= median + noise_factor * MAD of the segment
    min_score: float = _S.min_score  # ... and T >= this (px of main-direction motion on the canonical crop)
    min_duration: float = _S.min_duration  # s: shortest micro-expression kept
    max_duration: float = _S.max_duration  # s: longest micro-expression kept
    merge_gap: float = _S.merge_gap  # s: intervals closer than this are merged
    edge_frac: float = _S.edge_frac  # onset/offset: where the distance from the apex reaches this part of its plateau
    max_return: float = _S.max_return  # frames around an event must be this close to each other (vs the apex)
    blink_px: float = _S.blink_px  # eyelid transient (px) from which a frame counts as a blink (eye/brow rows masked)
    noise_norm: bool = _S.noise_norm  # block excess divided by the block's robust noise level (x the face's typical one)
    blink_reject: bool = _S.blink_reject  # events whose apex lies in a blink (eyelid transient >= blink_px) are dropped
    au_z: float = _S.au_z  # au: an AU's residual evidence must reach this many times its local robust noise ...
    au_min: float = _S.au_min  # au: ... and this many inter-ocular distances
    au_floor: float = _S.au_floor  # au: the noise level is never taken below this (IOD)
    au_noise_q: float = _S.au_noise_q  # au: the noise level is never below this quantile of the absolute deviations / the normal's (0 = MAD only; bench/RESULTS.md rounds 10, 12)
    au_edge: float = _S.au_edge  # au: onset / offset where the residual falls under this part of the apex's
    au_return: float = _S.au_return  # au: evidence just before and after the event differs by <= this x the apex residual
    au_baseline: str = _S.au_baseline  # au: median (evidence minus its running median) | sides (how far it stands above both sides: a bump) | ends (sides near a window's ends, median elsewhere)
    side_seconds: float = _S.side_seconds  # au, sides: each side's level is the median of this long
    end_seconds: float = _S.end_seconds  # au, ends: the two-sided residual within this of a window's ends (0 = baseline_seconds)
    merged_max: bool = _S.merged_max  # au: events merged into one longer than max_duration are dropped
    merge_regions: bool = _S.merge_regions  # au: events of different facial regions merge within merge_gap too (False: only when they share frames; bench/RESULTS.md round 9)
    au_alone: float = _S.au_alone  # au: dropped when an AU of another region reaches this x its noise at the apex (0 = off)
    lip_reference: str = _S.lip_reference  # au: lip corners (AU12 / AU15) measured from the crop | midline (the lips' midline: jaw opening cancels; bench/RESULTS.md round 12)
    max_jump: float = _S.max_jump  # au: landmarks of the AU's region moving more than this (IOD) in one frame: occlusion, dropped (0 = off)
    window_seconds: float = 20.0  # a track is spotted in windows of at most this length (bounded memory)
    track_gap: float = 0.6  # s: face samples of one person further apart than this start a new track
    min_track_seconds: float = 0.3  # shorter tracks are not analysed
    max_tracks_faces: int = 0  # analyse at most this many simultaneous faces per frame (0 = all)
    recogniser: str = RECOGNISER_ENTRY  # manifest name or path of recogniser ONNX weights ('' = none)
    visualise: bool = True  # keep apex crop / flow PNGs in the table for the publish step
    threads: int = runtime_option(0)  # OpenCV threads (0 = OpenCV's default)
