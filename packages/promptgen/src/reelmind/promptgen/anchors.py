"""Character anchors: a visual-consistency prefix per character, reused for every frame of it — the
user's knowledge-base description (YAML ``name: description`` or ``name: {description, aliases}``)
and the cues of the character's OCEAN extremes from the PersonalityTable."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reelmind.core.errors import ConfigError
from reelmind.core.records import OCEAN, PersonalityTable

from .dimensions import DimensionOptions, personality
from .screenplay.model import speaker_key
from .trace import Fact, Phrase, q
from .vocab import Vocabulary


@dataclass(frozen=True)
class KBEntry:
    name: str
    description: str
    aliases: tuple[str, ...] = ()


def load_knowledge_base(path: str | Path) -> dict[str, KBEntry]:
    """Entries by folded name and alias (ConfigError naming the entry when malformed)."""
    import yaml

    path = Path(path).expanduser()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"knowledge base {path} does not exist", "fix stages.prompts.knowledge_base") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"knowledge base {path} cannot be read ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"knowledge base {path}: expected a mapping name -> description")
    out: dict[str, KBEntry] = {}
    for name, value in data.items():
        if isinstance(value, str):
            entry = KBEntry(str(name), value.strip())
        elif isinstance(value, dict) and isinstance(value.get("description"), str):
            aliases = value.get("aliases") or []
            if not isinstance(aliases, list):
                raise ConfigError(f"knowledge base {path}: {name}.aliases must be a list")
            entry = KBEntry(str(name), value["description"].strip(), tuple(str(a) for a in aliases))
        else:
            raise ConfigError(f"knowledge base {path}: {name} needs a description (text)")
        for key in (entry.name, *entry.aliases):
            out.setdefault(speaker_key(key), entry)
    return out


def find_entry(kb: dict[str, KBEntry], character: str, also: tuple[str, ...] = ()) -> KBEntry | None:
    """The entry of a film character (its label), or of a screenplay name the cast maps to it."""
    for name in (character, *also):
        e = kb.get(speaker_key(name))
        if e is not None:
            return e
    return None


def anchor_phrases(character: str, entry: KBEntry | None, personality_table: PersonalityTable | None,
                   vocab: Vocabulary, o: DimensionOptions) -> list[Phrase]:
    """The character's anchor: knowledge-base description, then the cues of its most marked OCEAN traits
    (at most ``ocean_cues``, in O, C, E, A, N order)."""
    out: list[Phrase] = []
    if entry is not None and entry.description:
        out.append(Phrase(entry.description, "anchor", "verbatim:description", (Fact("kb", -1, "name", entry.name),)))
    if personality_table is not None and len(personality_table):
        rows = {}
        for i in range(len(personality_table)):
            if personality_table.character[i] == character and personality_table.trait[i] in OCEAN:
                rows.setdefault(str(personality_table.trait[i]), i)
        facts = [Fact("personality", i, t, q(personality_table.value[i])) for t, i in rows.items()]
        strong = [f for f in facts if f.value >= o.ocean_high or f.value <= o.ocean_low]
        strong.sort(key=lambda f: (-abs(f.value - 0.5), OCEAN.index(f.field)))
        for f in sorted(strong[: max(0, o.ocean_cues)], key=lambda f: OCEAN.index(f.field)):
            out += personality(vocab, o, trait=f)
    return out
