"""Every record that flows between stages, split by domain; all validated columnar Tables with
Arrow/Parquet round-trip and provenance in ``meta``.

* perception: faces, persons, words, utterances, rejects, speech emotion, micro events
* dataset: the fused per-utterance dataset
* cognition: moments, transitions, arcs, moods, trends, memories, hotspots, consolidation, scenes,
  character scenes, reflections, personality, social edges, migrations, influence, scores
* prompt: prompt frames and rendered documents
* archive: voice profiles of a film, identities across an archive's films
"""

from ..emotion import FACE_EMOTIONS, FACE_TO_TEXT, POLARITY, TEXT_EMOTIONS, TEXT_TO_FACE
from ..table import Table
from .archive import ArchivePersonTable, VoiceTable
from .cognition import (ARC_CLASSES, CIRCLES, MEMORY_TIERS, OCEAN, TRANSITION_TYPES, TRENDS, ArcTable,
                        CharacterSceneTable, ConsolidationTable, HotspotTable, InfluenceEventTable, MemoryTable,
                        MigrationTable, MomentTable, MoodTable, PersonalityTable, ReflectionTable, SceneTable,
                        ScoreTable, SocialEdgeTable, TransitionTable, TrendTable)
from .dataset import DATASET_COLUMNS, DatasetTable
from .perception import (FaceTable, MicroEventTable, PersonTable, RejectTable, SpeakerTurnTable, SpeechEmotionFrames,
                         UtteranceTable, WordTable)
from .prompt import PROMPT_DIMENSIONS, PROMPT_TIERS, ClipTable, DocumentTable, PromptFrameTable

#: Every record type by class name (the run store restores cached tables through it).
RECORD_TYPES: dict[str, type[Table]] = {
    cls.__name__: cls for cls in (
        FaceTable, PersonTable, WordTable, UtteranceTable, RejectTable, SpeechEmotionFrames, MicroEventTable,
        SpeakerTurnTable,
        DatasetTable, MomentTable, TransitionTable, ArcTable, MoodTable, TrendTable, MemoryTable, HotspotTable,
        ConsolidationTable, SceneTable, CharacterSceneTable, ReflectionTable, PersonalityTable, SocialEdgeTable,
        MigrationTable, InfluenceEventTable, ScoreTable, PromptFrameTable, ClipTable, DocumentTable, VoiceTable,
        ArchivePersonTable)
}

__all__ = [
    "FACE_EMOTIONS", "FACE_TO_TEXT", "POLARITY", "TEXT_EMOTIONS", "TEXT_TO_FACE", "DATASET_COLUMNS", "RECORD_TYPES",
    "ARC_CLASSES", "CIRCLES", "MEMORY_TIERS", "OCEAN", "TRANSITION_TYPES", "TRENDS", "PROMPT_DIMENSIONS", "PROMPT_TIERS",
    *RECORD_TYPES,
]
