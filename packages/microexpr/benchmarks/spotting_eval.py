"""Spotting recall / IoU / false events / AU-proxy accuracy on SYNTHETIC micro-expressions planted in
real talking-face video and in stills (:mod:`reelmind.microexpr.planted`).

    .venv/bin/python packages/microexpr/benchmarks/spotting_eval.py --split report [--amount 0.05] [--flow dis]
        [--durations 0.1,0.25,0.4] [--positions 3] [--only single_face,carphone] [--json out.json]
        [--options '{"au_z": 6}'] [--faces-options '{"detect_every": 4}']

``--split tune`` runs the sources the settings were chosen on; ``--split report`` the ones reported
in bench/RESULTS.md (never used for choosing anything). Every trial plants one AU (6 AUs) at one
duration and one position, encodes the clip to H.264 and runs the real channel on it; the faces come
from the real ``faces`` stage on the unplanted clip. Prints one JSON line per source, the misses,
and a summary over the split, with the machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv=None) -> int:
    from reelmind.microexpr.channel import MicroChannel
    from reelmind.microexpr.options import MicroOptions
    from reelmind.microexpr.planted import AMOUNT, DURATIONS, POSITIONS, Harness, sources, summarise

    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="report", choices=("report", "tune", "all"))
    ap.add_argument("--only", default="", help="comma-separated source names")
    ap.add_argument("--amount", type=float, default=AMOUNT, help="peak landmark displacement, inter-ocular distances")
    ap.add_argument("--durations", default=",".join(str(d) for d in DURATIONS))
    ap.add_argument("--positions", type=int, default=POSITIONS)
    ap.add_argument("--flow", default=MicroOptions().flow)
    ap.add_argument("--options", default="{}", help="JSON of MicroOptions fields to override")
    ap.add_argument("--faces-options", default="{}", help="JSON of the faces stage's options (e.g. detect_every)")
    ap.add_argument("--json", default="", help="write every trial here")
    args = ap.parse_args(argv)
    opts = MicroOptions(flow=args.flow, visualise=False, recogniser="", **json.loads(args.options))
    uptime = lambda: subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()  # noqa: E731
    print(json.dumps({"synthetic": True, "split": args.split, "amount_iod": args.amount, "flow": args.flow,
                      "durations_s": args.durations, "positions": args.positions,
                      "options": json.loads(args.options), "faces_options": json.loads(args.faces_options), "uptime": uptime()}), flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        harness = Harness(MicroChannel(opts), tmp, faces_options=json.loads(args.faces_options))
        for src in sources(None if args.split == "all" else args.split, args.only):
            r = harness.run(src, durations=tuple(float(x) for x in args.durations.split(",")),
                            positions=args.positions, amount=args.amount)
            results.append(r)
            print(json.dumps({"source": src.name, "split": src.split, "media": src.media, "scale": src.scale,
                              "fps": round(r.fps, 3), "clip_s": round(r.frames / r.fps, 2), "cpu_s": round(r.cpu_s, 1),
                              **r.summary(), "plain_events": r.plain_events}), flush=True)
            for t in r.trials:
                if t.hit < 0 or not t.au_right:
                    print(f"   {'miss' if t.hit < 0 else 'au  '} {t.plant.au} frames {t.plant.onset}-{t.plant.offset}: "
                          f"spotted {t.spotted} {t.aus}", flush=True)
    summary = summarise(results)
    print("SUMMARY " + json.dumps({"split": args.split, "amount_iod": args.amount, **summary, "uptime": uptime(),
                                   "load": os.getloadavg()}), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps([{"source": r.source.name, "fps": r.fps, "plain_events": r.plain_events,
                                                "trials": [{"au": t.plant.au, "onset": t.plant.onset, "offset": t.plant.offset,
                                                            "spotted": t.spotted, "aus": t.aus, "hit": t.hit}
                                                           for t in r.trials]} for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
