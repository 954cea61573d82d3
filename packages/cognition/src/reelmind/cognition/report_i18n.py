"""English / Traditional Chinese labels and summary templates of the structured report.

Summaries are filled from numbers only (no LLM), so the same data gives the same words.
"""

from __future__ import annotations

LANGS = ("en", "zh")

EMOTION = {
    "en": {"angry": "angry", "disgust": "disgust", "fear": "fear", "happy": "happy", "sad": "sad",
           "surprise": "surprise", "neutral": "neutral"},
    "zh": {"angry": "憤怒", "disgust": "厭惡", "fear": "恐懼", "happy": "快樂", "sad": "悲傷",
           "surprise": "驚訝", "neutral": "平靜"},
}
TRANSITION = {
    "en": {"NATURAL": "natural", "GRADUAL": "gradual", "TRIGGERED": "triggered", "SUDDEN": "sudden"},
    "zh": {"NATURAL": "自然", "GRADUAL": "漸進", "TRIGGERED": "觸發", "SUDDEN": "突兀"},
}
ARC = {
    "en": {"RISING": "rising", "FALLING": "falling", "PEAK": "peak", "VALLEY": "valley", "W_SHAPE": "W-shape",
           "FLAT": "flat", "VOLATILE": "volatile"},
    "zh": {"RISING": "上升", "FALLING": "下降", "PEAK": "高峰", "VALLEY": "低谷", "W_SHAPE": "W形",
           "FLAT": "平穩", "VOLATILE": "劇烈波動"},
}
CIRCLE = {
    "en": {"intimate": "intimate", "close": "close", "friends": "friends", "acquaintance": "acquaintance", "stranger": "stranger"},
    "zh": {"intimate": "親密圈", "close": "密友圈", "friends": "朋友圈", "acquaintance": "熟人圈", "stranger": "陌生人"},
}
TRAIT = {
    "en": {"O": "Openness", "C": "Conscientiousness", "E": "Extraversion", "A": "Agreeableness", "N": "Neuroticism"},
    "zh": {"O": "開放性", "C": "盡責性", "E": "外向性", "A": "親和性", "N": "神經質"},
}
DIMENSION = {
    "en": {"expression_text": "Expression-Text Consistency", "voice_authenticity": "Voice Authenticity",
           "coherence": "Multimodal Coherence", "range": "Emotion Range", "transition": "Emotion Transition",
           "interaction": "Interaction Quality"},
    "zh": {"expression_text": "表情-文本一致性", "voice_authenticity": "聲音真實性", "coherence": "多模態連貫性",
           "range": "情感範圍", "transition": "情感轉換", "interaction": "互動品質"},
}
TIER = {
    "en": {"reliable": "reliable", "partial": "partial", "degraded": "degraded", "absent": "absent"},
    "zh": {"reliable": "可靠", "partial": "部分可靠", "degraded": "不可靠", "absent": "無臉部資料"},
}
SECTIONS = {
    "en": ["Overview", "Emotion statistics", "Emotion timeline and arcs", "Transitions and surprise",
           "Memory statistics", "OCEAN personality", "Social matrix (Dunbar circles and influence)",
           "Performance scoring", "Multimodal conflicts", "Psychological summaries"],
    "zh": ["總覽", "情感統計", "情感時間線與弧線", "情感轉換與驚訝度", "記憶統計", "OCEAN 人格",
           "社交矩陣(鄧巴圈與影響力)", "表演評分", "多模態衝突", "心理摘要"],
}
WORDS = {
    "en": {
        "title": "Structured report", "film": "Film", "lines": "Lines", "characters": "Characters",
        "duration": "Duration", "fer_tier": "FER tier", "channel_weights": "Channel weights",
        "missing": "Missing from the analysis", "none": "none", "character": "Character",
        "mean": "mean", "dominant": "Dominant", "valence": "Valence", "arousal": "Arousal",
        "dominance": "Dominance", "arc": "Arc", "rule": "Rule", "turning_points": "Turning points",
        "transitions": "Transitions", "sudden_ratio": "Sudden ratio", "top_pattern": "Top sudden pattern",
        "hotspots": "Hotspots", "mean_surprise": "Mean surprise", "total": "Total", "score": "Score",
        "weight": "Weight", "detail": "Detail", "dimension": "Dimension", "time": "Time", "speaker": "Speaker",
        "line": "Line", "channels": "Channels", "value": "Value", "evidence": "Evidence",
        "nodes": "nodes", "links": "links", "migrations": "migrations tracked", "inner_circle": "Inner circle",
        "intimacy": "Intimacy", "events": "Major events", "positive": "positive", "negative": "negative",
        "not_available": "not available", "text": "text", "face": "face", "voice": "voice",
        "scene_boundaries": "scene boundaries", "by_tier": "By tier", "by_kind": "By kind",
        "generated": "Zero-LLM report: every figure is computed from the data; same data, same report.",
        "migration_log": "Latest circle migrations", "trigger": "Trigger", "from": "from", "to": "to",
        "pairs": "Relationship memory (directed)", "impact": "Impact", "no_conflicts": "No multimodal conflicts.",
        "emotions": "Emotions", "warnings": "Warnings about the data",
        "evolution": "Character evolution (memory stage: opening, turning points, patterns, relationships, closing)",
    },
    "zh": {
        "title": "結構化報告", "film": "影片", "lines": "台詞數", "characters": "角色",
        "duration": "時長", "fer_tier": "臉部表情辨識等級", "channel_weights": "通道權重",
        "missing": "分析資料缺少", "none": "無", "character": "角色",
        "mean": "平均", "dominant": "主要情感", "valence": "效價", "arousal": "喚醒度",
        "dominance": "支配度", "arc": "弧線", "rule": "判定規則", "turning_points": "轉折點",
        "transitions": "轉換數", "sudden_ratio": "突兀轉變比例", "top_pattern": "最常見突兀轉變",
        "hotspots": "創傷熱點", "mean_surprise": "平均驚訝度", "total": "綜合", "score": "分數",
        "weight": "權重", "detail": "說明", "dimension": "維度", "time": "時間", "speaker": "說話者",
        "line": "台詞", "channels": "通道", "value": "數值", "evidence": "證據",
        "nodes": "節點", "links": "連結", "migrations": "次圈層遷移", "inner_circle": "親密圈",
        "intimacy": "親密度", "events": "重大事件", "positive": "正向", "negative": "負向",
        "not_available": "無資料", "text": "文本", "face": "臉部", "voice": "聲音",
        "scene_boundaries": "場景邊界", "by_tier": "依層級", "by_kind": "依類型",
        "generated": "零 LLM 報告:所有數字皆由資料計算,相同資料產生相同報告。",
        "migration_log": "最近的圈層遷移", "trigger": "觸發事件", "from": "從", "to": "到",
        "pairs": "關係記憶(有向)", "impact": "影響", "no_conflicts": "沒有多模態衝突。",
        "emotions": "情感", "warnings": "資料警告",
        "evolution": "角色演變(記憶階段:開場、轉折、模式、關係、結尾;英文模板)",
    },
}


def _level(x: float, lo: float, hi: float, words: tuple[str, str, str]) -> str:
    return words[0] if x >= hi else words[2] if x < lo else words[1]


def summary(lang: str, s: dict) -> str:
    """One character's psychological summary from its numbers (``s``: see report_structured)."""
    emo, tr, arc, trait, circle = EMOTION[lang], TRANSITION[lang], ARC[lang], TRAIT[lang], CIRCLE[lang]
    vol = s["volatility"]
    parts = []
    if lang == "zh":
        parts.append(f"{s['character']}:情感波動{_level(vol, 0.15, 0.3, ('較大', '中等', '較小'))}")
        if s.get("top_from"):
            parts[-1] += f",從{emo.get(s['top_from'], s['top_from'])}轉為{emo.get(s['top_to'], s['top_to'])}最常見({s['top_count']}次)"
        parts[-1] += "。"
        if s.get("mean_stability") is not None:
            parts.append(f"平均穩定性{_level(s['mean_stability'], 0.5, 0.7, ('較高', '中等', '較低'))}"
                         f"({s['mean_stability']:.2f}),突兀轉變比例 {s['sudden_ratio']:.1%}。")
        if s.get("arc"):
            parts.append(f"情感弧線:{arc.get(s['arc'], s['arc'])}。")
        if s.get("top_trait"):
            parts.append(f"人格:{trait[s['top_trait']]}最高({s['top_value']:.2f}),{trait[s['low_trait']]}最低({s['low_value']:.2f})。")
        if s.get("inner"):
            parts.append(f"{circle['intimate']}:{'、'.join(s['inner'])}。")
        if s.get("score") is not None:
            parts.append(f"綜合表演評分 {s['score']:.1f}/10。")
        return "".join(parts)
    parts.append(f"{s['character']}: {_level(vol, 0.15, 0.3, ('high', 'moderate', 'low'))} emotional volatility")
    if s.get("top_from"):
        parts[-1] += (f"; the most common sudden shift is {emo.get(s['top_from'], s['top_from'])} → "
                      f"{emo.get(s['top_to'], s['top_to'])} ({s['top_count']} times)")
    parts[-1] += "."
    if s.get("mean_stability") is not None:
        parts.append(f"Mean stability is {_level(s['mean_stability'], 0.5, 0.7, ('high', 'moderate', 'low'))} "
                     f"({s['mean_stability']:.2f}); {s['sudden_ratio']:.1%} of transitions are sudden.")
    if s.get("arc"):
        parts.append(f"Emotion arc: {arc.get(s['arc'], s['arc'])}.")
    if s.get("top_trait"):
        parts.append(f"Personality: highest {trait[s['top_trait']]} ({s['top_value']:.2f}), "
                     f"lowest {trait[s['low_trait']]} ({s['low_value']:.2f}).")
    if s.get("inner"):
        parts.append(f"Intimate circle: {', '.join(s['inner'])}.")
    if s.get("score") is not None:
        parts.append(f"Overall performance score {s['score']:.1f}/10.")
    return " ".join(parts)
