"""Free-answer matching: pure functions, no database."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.quizzes import allowed_typos, hint_for, matches, normalize


@pytest.mark.parametrize(
    ("guess", "answers", "ok"),
    [
        ("hearts", ["hearts"], True),
        ("HEARTS!!", ["hearts"], True),
        ("hearst", ["hearts"], True),  # swapped letters: one typo
        ("i think it's hearts", ["hearts"], True),
        ("heart", ["hearts"], True),
        ("hrts", ["hearts"], False),
        ("air", ["chair"], False),
        ("chair", ["air"], False),
        ("the chair is mine", ["air"], False),
        ("fam", ["fam"], True),
        ("fan", ["fam"], False),  # 3 letters: no typo allowed
        ("Blowing Up", ["blowing up"], True),
        ("blowingup", ["blowing up"], True),
        ("blowing", ["blowing up"], False),
        ("café", ["cafe"], True),
        ("cafe", ["Café"], True),
        ("for you page", ["For You page"], True),
        ("the algorithm", ["algorithm"], True),
        ("algo", ["algorithm", "algo"], True),
        ("hearts sound fam stitch duet collab mutuals fyp", ["sound"], False),
        ("", ["sound"], False),
        ("!!!", ["sound"], False),
    ],
)
def test_free_answer_matching(guess: str, answers: list[str], ok: bool) -> None:
    assert matches(guess, answers) is ok


def test_normalize_and_hint() -> None:
    assert normalize("  Crème  Brûlée! ") == "creme brulee"
    assert hint_for("blowing up") == "b _ _ _ _ _ _   u _"


@given(
    answer=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=12),
    prefix=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
)
def test_a_word_inside_another_word_never_matches(answer: str, prefix: str) -> None:
    """Whole words only: "air" is never found inside "chair", however long the words."""
    glued = prefix + answer
    if len(prefix) > allowed_typos(len(answer)):
        assert not matches(glued, [answer])
        assume(answer not in ("so", "yes"))
        assert not matches(f"so {glued} yes", [answer])
    assert matches(f"{prefix} {answer}", [answer])  # as its own word, it does
