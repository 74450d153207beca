"""The collab copy in data/collabs: the shipped files load and fit the code, and a broken file
is refused at load with the file's name and what to fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from services.collabs import FORMATS, Candidate, prompts_for
from services.collabs.content import (
    CollabDataError,
    format_aliases,
    ideas,
    languages,
    load_format_aliases,
    load_ideas,
    load_languages,
)
from services.niches import DEFAULT_NICHES


def test_shipped_copy_loads_and_fits_the_code() -> None:
    langs = languages()
    assert langs.names[0] == "English" and "Tagalog" in langs.names
    assert langs.aliases["español"] == "Spanish" and langs.aliases["filipino"] == "Tagalog"
    assert set(format_aliases().values()) <= set(FORMATS)
    assert format_aliases()["joint live"] == "live"
    families = {n.family for n in DEFAULT_NICHES if n.family}
    assert set(ideas().by_family) == families  # every family has ideas, no idea is orphaned
    assert len(ideas().generic) >= 2


def test_ideas_come_from_the_groups_families_first_then_generic() -> None:
    book = Candidate(1, ("BookTok",), ("stories",))
    cook = Candidate(2, ("FoodTok",), ("food",))
    stories, food = ideas().by_family["stories"], ideas().by_family["food"]
    assert prompts_for([book, cook], 0) == (stories[0], food[0])
    assert prompts_for([book, cook], 1) == (stories[1], food[1])
    assert prompts_for([book, book], 0) == (stories[0], ideas().generic[0])
    nobody = Candidate(3)
    assert prompts_for([nobody, nobody], 1) == ideas().generic[1:3]


@pytest.mark.parametrize(
    ("loader", "text", "needle"),
    [
        (load_languages, "languages: [English]\naliases: {xx: Klingon}\n", "`Klingon`"),
        (load_languages, "languages: [English]\naliases: {no: English}\n", "quote words"),
        (load_languages, "languages: [English, english]\naliases: {}\n", "twice"),
        (load_languages, "languages: []\naliases: {}\n", "`languages` must be a non-empty"),
        (load_format_aliases, "aliases: {duetz: duets}\n", "not one of: duet"),
        (load_ideas, "families: {food: [a, b]}\ngeneric: [only one]\n", "at least two"),
        (load_ideas, "families: {food: []}\ngeneric: [a, b]\n", "`families.food`"),
        (load_ideas, "families: [food]\ngeneric: [a, b]\n", "`families` must map"),
        (load_ideas, "- just a list\n", "must be a mapping"),
        (load_ideas, "families: {food: [a\n", "can't be read"),
    ],
)
def test_broken_copy_is_refused_with_the_file_and_the_fix(
    tmp_path: Path, loader: Callable[[Path], object], text: str, needle: str
) -> None:
    path = tmp_path / "copy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CollabDataError) as raised:
        loader(path)
    assert str(path) in str(raised.value) and needle in str(raised.value)
