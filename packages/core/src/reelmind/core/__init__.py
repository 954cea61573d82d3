"""reelmind.core: typed records, Arrow/Parquet I/O, config, run store, model runtime, errors."""

from .errors import (
    ConfigError,
    DataFileError,
    InputMediaError,
    MissingDependencyError,
    MissingModelError,
    ModelHashError,
    RecordError,
    ReelmindError,
)
from .records import (
    DATASET_COLUMNS,
    FACE_EMOTIONS,
    POLARITY,
    TEXT_EMOTIONS,
    DatasetTable,
    FaceTable,
    RejectTable,
    SceneAnalysisTable,
    SpeechEmotionFrames,
    UtteranceTable,
    WordTable,
)
from .table import Table, column

__all__ = [
    "ConfigError", "DataFileError", "InputMediaError", "MissingDependencyError", "MissingModelError",
    "ModelHashError", "RecordError", "ReelmindError", "DATASET_COLUMNS", "FACE_EMOTIONS", "POLARITY",
    "TEXT_EMOTIONS", "DatasetTable", "FaceTable", "RejectTable", "SceneAnalysisTable",
    "SpeechEmotionFrames", "UtteranceTable", "WordTable", "Table", "column",
]
__version__ = "0.1.0"
