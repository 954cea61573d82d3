"""Read a screenplay file of any supported kind, sniffed by content: Fountain, plain-text layout, PDF
with a text layer (pypdf, layout mode), PDF of scanned pages and image files (RapidOCR's packaged
PP-OCRv4 ONNX models). Anything else is a :class:`ScreenplayError` with a one-line reason."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from reelmind.core.errors import MissingDependencyError

from .model import Screenplay, ScreenplayError
from .parse import looks_like_fountain, parse_fountain, parse_layout

log = logging.getLogger("reelmind.promptgen.screenplay")

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM")


def sniff(data: bytes) -> str:
    """'pdf', 'image', 'text' or 'binary' from the first bytes."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"
    if b"\x00" in head:
        return "binary"
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return "binary" if controls > len(head) * 0.02 else "text"


def _decode(data: bytes) -> str:
    """UTF-16 (with a BOM), UTF-8, else Windows-1252 / Latin-1 (old script files)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def pdf_text(data: bytes, name: str, ocr_min_score: float = 0.5) -> tuple[str, str]:
    """(layout text, 'pdf' | 'ocr') of a PDF: its text layer, else OCR of the page images."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise MissingDependencyError("pypdf (PDF screenplays)", "pypdf") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = list(reader.pages)
        texts = [p.extract_text(extraction_mode="layout") or "" for p in pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ScreenplayError(f"screenplay {name}: unreadable PDF ({type(exc).__name__}: {str(exc)[:80]})") from None
    if any(t.strip() for t in texts):
        return "\n".join(texts), "pdf"
    images = []
    for page in pages:
        for img in page.images:
            images.append(img.data)
    if not images:
        raise ScreenplayError(f"screenplay {name}: the PDF has neither a text layer nor page images")
    from .ocr import ocr_layout

    return "\n\n".join(ocr_layout(b, min_score=ocr_min_score) for b in images), "ocr"


def read_screenplay(path: str | Path, ocr_min_score: float = 0.5, llm=None) -> Screenplay:
    """Parse the screenplay at ``path`` (any supported kind). ``llm``: an LLMClient that may label the
    lines of OCR text (structure only; see :mod:`.llm_structure`). Raises ScreenplayError."""
    path = Path(path).expanduser()
    name = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScreenplayError(f"screenplay {path}: no such file", "fix --screenplay / stages.prompts.screenplay") from None
    except IsADirectoryError:
        raise ScreenplayError(f"screenplay {path}: is a folder, not a file") from None
    except OSError as exc:
        raise ScreenplayError(f"screenplay {path}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise ScreenplayError(f"screenplay {name} is empty")
    kind = sniff(data)
    if kind == "binary":
        raise ScreenplayError(f"screenplay {name} is not a text, PDF or image file (binary content)",
                              "give a Fountain, plain-text, PDF or scanned-page (PNG/JPEG/TIFF) screenplay")
    if kind == "pdf":
        text, fmt = pdf_text(data, name, ocr_min_score)
    elif kind == "image":
        from .ocr import ocr_layout

        text, fmt = ocr_layout(data, min_score=ocr_min_score), "ocr"
    else:
        text = _decode(data)
        fmt = "fountain" if looks_like_fountain(text, path.suffix) else "text"
    if not text.strip():
        raise ScreenplayError(f"screenplay {name}: no text could be read from it")
    screenplay = parse_fountain(text, str(path)) if fmt == "fountain" else parse_layout(text, str(path), fmt)
    if llm is not None and (fmt == "ocr" or not screenplay.speeches):
        from .llm_structure import llm_structure

        screenplay = llm_structure(text, llm, source=str(path), fallback=screenplay)
    if not screenplay.speeches:
        kinds = [e.kind for e in screenplay.elements]
        raise ScreenplayError(f"screenplay {name} has no dialogue ({screenplay.scene_count} scenes, "
                              f"{kinds.count('action')} action lines)",
                              "character cues must be upper case (or '名字：台词' lines), dialogue under them")
    log.info("screenplay %s (%s): %d scenes, %d speeches", name, fmt, screenplay.scene_count, len(screenplay.speeches))
    return screenplay
