"""The welcome's wording: the English source in data/welcome/copy.yaml and one translation
per language in data/welcome/<lang>/copy.yaml, each read once per process and checked against
the English (same keys, same {placeholders}), so a broken translation stops start-up."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.errors import ContentError
from core.i18n import LANGUAGES, SOURCE, current

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "welcome"
COPY_PATH = DATA_DIR / "copy.yaml"


def copy_path(language: str) -> Path:
    return COPY_PATH if language == SOURCE else DATA_DIR / language / "copy.yaml"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping of copy keys")
    return data


def _check(path: Path, data: dict[str, Any], source: dict[str, Any]) -> None:
    """Every key of the English copy, of the same shape, with the same placeholders."""
    missing = sorted(set(source) - set(data))
    extra = sorted(set(data) - set(source))
    if missing or extra:
        raise ContentError(f"{path}: missing keys {missing}, unknown keys {extra}")
    for key, english in source.items():
        value = data[key]
        if isinstance(english, list):
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) and v.strip() for v in value)
            ):
                raise ContentError(f"{path}: {key} must be a non-empty list of lines")
            continue
        if not isinstance(value, str) or not value.strip():
            raise ContentError(f"{path}: {key} must be a non-empty string")
        try:
            fields = _fields(value)
        except ValueError:
            raise ContentError(f"{path}: {key} has an unmatched brace") from None
        if fields != _fields(str(english)):
            raise ContentError(
                f"{path}: {key} must use the placeholders {sorted(_fields(str(english)))}"
            )


@lru_cache(maxsize=len(LANGUAGES))
def load_copy(language: str = SOURCE) -> dict[str, Any]:
    """The welcome copy in ``language`` (English when it isn't one of the bot's)."""
    if language not in LANGUAGES:
        language = SOURCE
    data = _read(copy_path(language))
    if language != SOURCE:
        _check(copy_path(language), data, load_copy(SOURCE))
    return data


def check_all_copy() -> None:
    """Load every language's copy now (start-up): a broken file is a ContentError naming it."""
    for language in LANGUAGES:
        load_copy(language)


def copy_text(key: str, **values: object) -> str:
    """A piece of the welcome copy in the language of the moment."""
    text = str(load_copy(current())[key])
    return text.format(**values) if values else text


def default_rules() -> tuple[str, ...]:
    """The community's default norms, in the language of the moment."""
    return tuple(str(r) for r in load_copy(current())["default_rules"])
