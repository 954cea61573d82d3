"""Per-channel accuracy on labelled sets: text emotion, face emotion, voice arousal.

The sets ship in ``reelmind/eval/data`` (see its PROVENANCE.md): ``text_en.tsv`` / ``text_zh.tsv``
(team-written dialogue lines, split once), ``faces.tsv`` (every labelled face image we found in
registry packages, read from the sample media), ``voice.tsv`` (neutral sentences synthesised at
two prosody settings: an arousal label by construction, not an emotion).

Each channel is scored the same way (:func:`scores`): accuracy, macro-F1 over the classes that
occur in the labels or predictions, per-class precision/recall/F1 and the confusion matrix
(rows = true label, columns = predicted). :func:`write_report` writes them as JSON + Markdown.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from reelmind.core.emotion import FACE_EMOTIONS, TEXT_EMOTIONS, face_label
from reelmind.core.errors import DataFileError, MissingDependencyError

log = logging.getLogger("reelmind.eval.channels")

AROUSAL_CLASSES = ("low", "high")


def data_path(name: str) -> Path:
    """A file of the shipped evaluation sets."""
    return Path(str(resources.files("reelmind.eval") / "data" / name))


# ----------------------------------------------------------------------------- scoring
def scores(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict:
    """accuracy, macro_f1, per_class {precision, recall, f1, support} and confusion {labels, matrix}.

    macro-F1 averages over the classes of ``labels`` that occur in ``y_true`` or ``y_pred``."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} labels but {len(y_pred)} predictions")
    extra = sorted({*y_true, *y_pred} - set(labels))
    labels = [*labels, *extra]
    idx = {c: i for i, c in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), np.int64)
    for t, p in zip(y_true, y_pred):
        m[idx[t], idx[p]] += 1
    per_class, f1s = {}, []
    for c, i in idx.items():
        tp, support, predicted = int(m[i, i]), int(m[i].sum()), int(m[:, i].sum())
        if support == 0 and predicted == 0:
            continue
        prec = tp / predicted if predicted else 0.0
        rec = tp / support if support else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[c] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "support": support}
        f1s.append(f1)
    n = len(y_true)
    return {"n": n, "accuracy": round(float(np.trace(m)) / n, 4) if n else float("nan"),
            "macro_f1": round(float(np.mean(f1s)), 4) if f1s else float("nan"),
            "per_class": per_class, "confusion": {"labels": labels, "matrix": m.tolist()}}


# ----------------------------------------------------------------------------- text
_TEXT_SYNONYMS = {"angry": "anger", "happy": "joy", "happiness": "joy", "sad": "sadness", "surprised": "surprise",
                  "fearful": "fear", "scared": "fear", "disgusted": "disgust", "calm": "neutral"}


def text_label(label: str) -> str:
    """A text-emotion label (or a common synonym / face-vocabulary name) in TEXT_EMOTIONS ('' if unknown)."""
    lab = str(label or "").strip().lower()
    lab = _TEXT_SYNONYMS.get(lab, lab)
    return lab if lab in TEXT_EMOTIONS else ""


def read_text_set(path: str | Path, require_split: bool = False) -> list[dict]:
    """Rows {text, label, split} of a TSV with a header naming at least ``text`` and ``label``.

    Labels are the 7 class names (synonyms such as happy/angry/sad are accepted); a bad file or
    label raises :class:`DataFileError` naming the line."""
    p = Path(path)
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            if "text" not in header or "label" not in header:
                raise DataFileError(f"{p}: the first line must be a tab-separated header with 'text' and 'label' columns",
                                    "write e.g. 'text<TAB>label' as the first line")
            reader.fieldnames = header
            rows = []
            for k, raw in enumerate(reader, start=2):
                text, label = (raw.get("text") or "").strip(), text_label(raw.get("label") or "")
                if not label:
                    raise DataFileError(f"{p}:{k}: label {raw.get('label')!r} is not one of {', '.join(TEXT_EMOTIONS)}")
                split = (raw.get("split") or "").strip()
                if require_split and split not in ("train", "dev", "test"):
                    raise DataFileError(f"{p}:{k}: split {split!r} is not train/dev/test")
                rows.append({"text": text, "label": label, "split": split})
    except FileNotFoundError:
        raise DataFileError(f"{p}: no such file") from None
    except UnicodeDecodeError:
        raise DataFileError(f"{p}: not UTF-8 text") from None
    if not rows:
        raise DataFileError(f"{p}: no labelled lines")
    return rows


def text_backend(name: str = "minilm-head", model: str = ""):
    """A perceive.audio text-emotion backend by name (``model``: the distilroberta folder)."""
    try:
        from reelmind.perceive.audio.options import AudioOptions
        from reelmind.perceive.audio.text_emotion import make_text_emotion
    except ImportError:
        raise MissingDependencyError("the audio stage (text emotion)", "'reelmind-perceive[audio]'") from None
    return make_text_emotion(AudioOptions(text_emotion=name, text_emotion_model=model))


def eval_text(rows: list[dict], backend) -> dict:
    """Score ``backend`` on ``rows``: :func:`scores` + ``predictions`` (input order), ``models``, ms per line."""
    texts = [r["text"] for r in rows]
    backend.predict(texts[:2])  # load models outside the timing
    t0 = time.perf_counter()
    probs = backend.predict(texts)
    dt = time.perf_counter() - t0
    pred = [TEXT_EMOTIONS[j] for j in np.asarray(probs).argmax(axis=1)]
    out = scores([r["label"] for r in rows], pred, TEXT_EMOTIONS)
    out.update(backend=backend.name, models=sorted(set(backend.model_ids(texts))), predictions=pred,
               ms_per_line=round(1000 * dt / max(1, len(texts)), 3))
    return out


# ----------------------------------------------------------------------------- faces
@dataclass(frozen=True)
class FaceItem:
    image: str  # media_path name
    label: str  # FACE_EMOTIONS
    x: float | None  # a point on the face (source pixels) in a group photo; None = the largest face
    y: float | None
    source: str


def read_face_set(path: str | Path | None = None) -> list[FaceItem]:
    p = Path(path) if path else data_path("faces.tsv")
    items = []
    with open(p, encoding="utf-8", newline="") as fh:
        for k, raw in enumerate(csv.DictReader(fh, delimiter="\t"), start=2):
            label = face_label(raw["label"])
            if not label:
                raise DataFileError(f"{p}:{k}: label {raw['label']!r} is not one of {', '.join(FACE_EMOTIONS)}")
            x, y = (float(raw["x"]), float(raw["y"])) if raw.get("x") else (None, None)
            items.append(FaceItem(raw["image"], label, x, y, raw.get("source", "")))
    return items


def eval_faces(items: list[FaceItem] | None = None, emotion: str = "fer", detector: str = "mtcnn") -> dict:
    """Detect every labelled face with the faces stage's detector and classify it with its emotion backend."""
    try:
        import cv2

        from reelmind.perceive.vision.backends import DETECTORS, EMOTIONS
        from reelmind.perceive.vision.decode import read_image
        from reelmind.perceive.vision.options import FacesOptions
    except ImportError:
        raise MissingDependencyError("the faces stage", "'reelmind-perceive[vision]'") from None
    from reelmind.core.media import media_path

    items = items if items is not None else read_face_set()
    opts = FacesOptions(detector=detector, emotion=emotion)
    det, clf = DETECTORS.create(detector, opts, None), EMOTIONS.create(emotion, opts, None)
    truth, pred, rows = [], [], []
    for it in items:
        rgb = read_image(media_path(it.image))
        found = det.detect([rgb])[0]
        if not len(found):
            label, conf = "", float("nan")  # a missed face counts as an error ('no face')
        else:
            boxes = found.boxes.astype(np.float64)
            if it.x is None:
                k = int(np.argmax((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))
            else:
                centers = (boxes[:, :2] + boxes[:, 2:]) / 2
                k = int(np.argmin(np.hypot(centers[:, 0] - it.x, centers[:, 1] - it.y)))
            gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            probs = clf.predict(clf.prepare(gray, boxes[k:k + 1]))[0]
            label, conf = FACE_EMOTIONS[int(np.argmax(probs))], float(np.max(probs))
        truth.append(it.label)
        pred.append(label or "no face")
        rows.append({"image": it.image, "label": it.label, "pred": label or "no face", "conf": round(conf, 4)})
    out = scores(truth, pred, FACE_EMOTIONS)
    out.update(backend=f"{detector} + {getattr(clf, 'name', emotion)}", predictions=pred, items=rows)
    return out


# ----------------------------------------------------------------------------- voice
@dataclass(frozen=True)
class VoiceItem:
    text: str
    synth: str  # espeak-ng | flite
    voice: str
    setting: str  # low | high (the arousal label)
    params: str  # synthesiser arguments of the setting


def read_voice_set(path: str | Path | None = None) -> list[VoiceItem]:
    p = Path(path) if path else data_path("voice.tsv")
    with open(p, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [VoiceItem(r["text"], r["synth"], r["voice"], r["arousal"], r["params"]) for r in rows]


def synthesize(item: VoiceItem) -> np.ndarray:
    """16 kHz mono audio of ``item`` (espeak-ng: -s/-p/-a arguments; flite: --setf features)."""
    import shutil
    import subprocess
    import tempfile

    from .synth import SAMPLE_RATE, flite_say, read_wav

    if item.synth == "flite":
        feats = dict(kv.split("=") for kv in item.params.split())
        return flite_say(item.text, item.voice, **{k: float(v) for k, v in feats.items()})
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise MissingDependencyError("the espeak-ng speech synthesizer", "espeak-ng (Debian: apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "line.wav"
        subprocess.run([exe, "-v", item.voice, *item.params.split(), "-w", str(out), item.text], check=True,
                       capture_output=True)
        audio, sr = read_wav(out)
    if sr != SAMPLE_RATE:
        from scipy.signal import resample_poly

        g = np.gcd(sr, SAMPLE_RATE)
        audio = resample_poly(audio, SAMPLE_RATE // g, sr // g).astype(np.float32)
    return audio


def eval_voice(items: list[VoiceItem] | None = None, threshold: float = 0.5) -> dict:
    """The speech-emotion channel's arousal (eGeMAPS mapping, normalised per synthetic speaker as in
    the audio stage) against the prosody setting: arousal > ``threshold`` = high."""
    try:
        from reelmind.perceive.audio.speech_emotion import egemaps_features, map_features
    except ImportError:
        raise MissingDependencyError("the audio stage (speech emotion)", "'reelmind-perceive[audio]'") from None
    items = items if items is not None else read_voice_set()
    feats = egemaps_features([synthesize(it) for it in items])
    speakers = [f"{it.synth}:{it.voice}" for it in items]
    arousal = map_features(feats, speakers)["arousal"]
    pred = [AROUSAL_CLASSES[int(a > threshold)] for a in arousal]
    out = scores([it.setting for it in items], pred, AROUSAL_CLASSES)
    out.update(backend="egemaps-zscore-v1 arousal (per-speaker z-scores), high if > %.2f" % threshold,
               predictions=pred, arousal=[round(float(a), 4) for a in arousal])
    return out


# ----------------------------------------------------------------------------- report
def markdown(results: dict) -> str:
    """The results of :func:`reelmind.eval.cli.eval_channels` as Markdown."""
    lines = ["# Channel evaluation", ""]
    summary = ["| channel | set | backend / model | n | accuracy | macro-F1 | ms / item |", "|---|---|---|---|---|---|---|"]
    for key, r in results["channels"].items():
        model = "; ".join(r.get("models", [])) or r.get("backend", "")
        summary.append(f"| {key} | {r.get('set', '')} | {model} | {r['n']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | "
                       f"{r.get('ms_per_line', '')} |")
    lines += summary + [""]
    for key, r in results["channels"].items():
        labels, m = r["confusion"]["labels"], r["confusion"]["matrix"]
        keep = [i for i in range(len(labels)) if sum(m[i]) or sum(row[i] for row in m)]
        lines += [f"## {key}", "", *([r["note"], ""] if r.get("note") else []),
                  "| true \\ predicted | " + " | ".join(labels[i] for i in keep) + " | recall |",
                  "|---" * (len(keep) + 2) + "|"]
        for i in keep:
            rec = r["per_class"].get(labels[i], {}).get("recall", 0.0)
            lines.append(f"| {labels[i]} | " + " | ".join(str(m[i][j]) for j in keep) + f" | {rec:.2f} |")
        lines.append("")
    return "\n".join(lines)


def write_report(results: dict, json_path: Path | None = None, md_path: Path | None = None) -> list[Path]:
    from reelmind.core.atomic import write_json

    out = []
    if json_path is not None:
        out.append(write_json(json_path, results))
    if md_path is not None:
        md_path.parent.mkdir(parents=True, exist_ok=True)
        md_path.write_text(markdown(results), encoding="utf-8")
        out.append(md_path)
    return out
