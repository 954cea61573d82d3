"""Screenplays: read (Fountain, plain-text layout, PDF text layer, scanned pages via OCR), parse into
scenes / speakers / dialogue / action / environment, and match to the film's lines."""

from .match import MatchOptions, MatchReport, match_lines
from .model import Element, Screenplay, ScreenplayError, Speech
from .readers import read_screenplay

__all__ = ["Element", "MatchOptions", "MatchReport", "Screenplay", "ScreenplayError", "Speech", "match_lines",
           "read_screenplay"]
