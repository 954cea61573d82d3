"""Error classes whose messages say what went wrong and how to fix it.

Every error reelmind raises on purpose derives from :class:`ReelmindError`; the CLI prints
``str(err)`` as one line and exits non-zero instead of showing a traceback.
"""

from __future__ import annotations


class ReelmindError(Exception):
    """Base class: ``message`` says what happened, ``fix`` says what to do about it."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(f"{message} — fix: {fix}" if fix else message)


class RecordError(ReelmindError, ValueError):
    """A record was built with a field of the wrong type, shape or value."""

    def __init__(self, record: str, field: str, expected: str, actual: str) -> None:
        self.record, self.field, self.expected, self.actual = record, field, expected, actual
        super().__init__(f"{record}.{field}: expected {expected}, got {actual}")


class InputMediaError(ReelmindError):
    """A media file is missing, empty, corrupt, truncated or has no usable stream."""


class MissingDependencyError(ReelmindError, ImportError):
    """An optional dependency of a backend is not installed."""

    def __init__(self, what: str, pip: str) -> None:
        super().__init__(f"{what} is not installed", f"pip install {pip}")


class MissingModelError(ReelmindError, FileNotFoundError):
    """Model weights are not on this machine (reelmind never downloads at run time)."""


class ModelHashError(ReelmindError):
    """A model file does not have the sha256 its manifest entry names."""


class ConfigError(ReelmindError, ValueError):
    """A config file or option is malformed."""


class DataFileError(ReelmindError, ValueError):
    """A CSV / JSON / Parquet input is malformed."""
