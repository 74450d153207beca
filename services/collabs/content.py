"""The collab copy shipped as data in data/collabs/*.yaml (languages, format aliases, collab
ideas): loaded once, and checked on load so a broken file says which file and what to fix.

Collab ideas are copy members read, so each language has its own file
(data/collabs/<language>/prompts.yaml, English at the top): the same families with as many ideas
each as the English one, idea for idea, so a round's rotation picks the same idea in any
language."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.errors import ContentError
from core.i18n import LANGUAGES, SOURCE, current
from services.collabs.scoring import FORMATS

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "collabs"


class CollabDataError(ContentError, ValueError):
    """A data/collabs file that the bot can't use as it is."""


@dataclass(frozen=True)
class Languages:
    names: tuple[str, ...]  # as members see them and as stored
    aliases: dict[str, str]  # casefolded alias -> one of names


@dataclass(frozen=True)
class Ideas:
    by_family: dict[str, tuple[str, ...]]  # niche family -> its collab ideas
    generic: tuple[str, ...]  # for any group, and to fill up to two


@lru_cache(maxsize=1)
def languages() -> Languages:
    return load_languages(DATA_DIR / "languages.yaml")


@lru_cache(maxsize=1)
def format_aliases() -> dict[str, str]:
    """Other ways members write a format (normalised like their input) -> the format key."""
    return load_format_aliases(DATA_DIR / "formats.yaml")


def ideas() -> Ideas:
    """The collab ideas in the current language (English where a language has no file)."""
    return ideas_in(current())


@lru_cache(maxsize=len(LANGUAGES))
def ideas_in(language: str) -> Ideas:
    english = load_ideas(DATA_DIR / "prompts.yaml")
    path = DATA_DIR / language / "prompts.yaml"
    if language == SOURCE or not path.exists():
        return english
    translated = load_ideas(path)
    if _shape(translated) != _shape(english):
        raise _problem(
            path,
            "must have the same families, with as many ideas each (and as many generic ones), "
            "as data/collabs/prompts.yaml: it is the same list, idea for idea, translated.",
        )
    return translated


def _shape(found: Ideas) -> tuple[dict[str, int], int]:
    return {k: len(v) for k, v in found.by_family.items()}, len(found.generic)


def load_languages(path: Path) -> Languages:
    data = _read(path)
    names = _texts(path, data, "languages")
    folded = [n.casefold() for n in names]
    if len(set(folded)) != len(folded):
        raise _problem(path, "`languages` names a language twice.")
    aliases: dict[str, str] = {}
    for alias, name in _text_mapping(path, data, "aliases").items():
        if name not in names:
            raise _problem(path, f"alias `{alias}` points at `{name}`, which isn't in `languages`.")
        aliases[alias.casefold()] = name
    return Languages(names, aliases)


def load_format_aliases(path: Path) -> dict[str, str]:
    data = _read(path)
    aliases: dict[str, str] = {}
    for alias, key in _text_mapping(path, data, "aliases").items():
        if key not in FORMATS:
            raise _problem(
                path, f"alias `{alias}` points at `{key}`, not one of: {', '.join(FORMATS)}."
            )
        aliases[normalise_format(alias)] = key
    return aliases


def load_ideas(path: Path) -> Ideas:
    data = _read(path)
    families = data.get("families")
    if not isinstance(families, dict):
        raise _problem(path, "`families` must map each niche family to a list of ideas.")
    by_family = {
        str(family): _texts(path, families, family, where="families.") for family in families
    }
    generic = _texts(path, data, "generic")
    if len(generic) < 2:  # every intro promises two ideas, even when no family has any
        raise _problem(path, "`generic` needs at least two ideas.")
    return Ideas(by_family, generic)


def normalise_format(text: str) -> str:
    """A format as typed, compared without case or extra spaces."""
    return " ".join(text.strip().lower().split())


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise _problem(path, f"can't be read: {exc}") from None
    if not isinstance(data, dict):
        raise _problem(path, "must be a mapping of keys to values.")
    return data


def _texts(path: Path, data: dict[Any, Any], key: Any, *, where: str = "") -> tuple[str, ...]:
    value = data.get(key)
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise _problem(path, f"`{where}{key}` must be a non-empty list of texts.")
    return tuple(value)


def _text_mapping(path: Path, data: dict[str, Any], key: str) -> dict[str, str]:
    value = data.get(key)
    # YAML reads some bare words as booleans (no, on, yes): quote them
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _problem(path, f"`{key}` must map texts to texts (quote words like `no`).")
    return value


def _problem(path: Path, message: str) -> CollabDataError:
    return CollabDataError(f"{path}: {message}")
