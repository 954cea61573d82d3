"""reelmind.core: typed records, the emotion policy, Arrow/Parquet I/O, config, the stage protocol, run
store, model resolver and runtime, provenance, errors."""

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
    PersonTable,
    RejectTable,
    SpeechEmotionFrames,
    UtteranceTable,
    WordTable,
)
from .table import Table, column

__all__ = [
    "ConfigError", "DataFileError", "InputMediaError", "MissingDependencyError", "MissingModelError",
    "ModelHashError", "RecordError", "ReelmindError", "DATASET_COLUMNS", "FACE_EMOTIONS", "POLARITY",
    "TEXT_EMOTIONS", "DatasetTable", "FaceTable", "PersonTable", "RejectTable",
    "SpeechEmotionFrames", "UtteranceTable", "WordTable", "Table", "column",
]
__version__ = "0.1.0"
