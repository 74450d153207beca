"""The welcome's wording, shipped in data/welcome/copy.yaml and read once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

COPY_PATH = Path(__file__).resolve().parents[2] / "data" / "welcome" / "copy.yaml"


@lru_cache(maxsize=1)
def load_copy() -> dict[str, Any]:
    """The welcome copy shipped in data/welcome/copy.yaml."""
    with COPY_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def copy_text(key: str, **values: object) -> str:
    text = str(load_copy()[key])
    return text.format(**values) if values else text


def default_rules() -> tuple[str, ...]:
    return tuple(str(r) for r in load_copy()["default_rules"])
