"""Question packs and free-answer matching: pure functions, no database."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.quiz_matching import allowed_typos, hint_for, matches, normalize
from services.quiz_packs import (
    CATEGORIES,
    MAX_PACK_BYTES,
    PackErrors,
    dump_pack,
    load_builtin,
    parse_pack_bytes,
    validate_pack,
)


def q(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "hearts",
        "category": "lingo",
        "type": "choice",
        "difficulty": "easy",
        "question": "What do insiders call likes?",
        "options": ["hearts", "stars", "claps", "thumbs"],
        "answer": "hearts",
        "explanation": "After the icon.",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def problems_of(raw: Any, **kw: Any) -> list[str]:
    with pytest.raises(PackErrors) as exc:
        validate_pack(raw, key_prefix="g", **kw)
    return [str(p) for p in exc.value.problems]


def test_shipped_packs_are_valid_and_big_enough() -> None:
    questions = load_builtin()
    assert len(questions) >= 80
    assert set(Counter(x.category for x in questions)) == set(CATEGORIES)
    assert {x.kind for x in questions} == {"choice", "free"}
    assert len({x.id for x in questions}) == len(questions)
    for question in questions:
        assert question.explanation
        if question.kind == "choice":
            assert len(question.options) == 4 and question.answer in question.options
    lingo = " ".join(x.prompt + x.answer for x in questions).casefold()
    for term in ("hearts", "sound", "fyp", "duet", "stitch", "pov", "live", "creator fund"):
        assert term in lingo, term


def test_bad_pack_reports_every_problem_with_number_and_field() -> None:
    raw = {
        "pack": "bad",
        "questions": [
            q(),
            q(id="no-answer", answer=None),
            q(id="three", options=["a", "b", "c"], answer="a"),
            q(id="hearts"),
            q(id="free-one", type="free", options=None, answer="sound", accept=["audio"]),
            q(id="Bad Id!", category="memes", difficulty="insane", colour="red"),
        ],
    }
    found = problems_of(raw)
    text = "\n".join(found)
    assert "Question 2 (`no-answer`), field `answer`: is missing." in found
    assert "Question 3 (`three`), field `options`: needs exactly 4 options, got 3." in found
    assert "Question 4 (`hearts`), field `id`: is a duplicate of question 1." in found
    assert "Question 6 (`Bad Id!`), field `id`" in text
    assert "Question 6 (`Bad Id!`), field `category`" in text
    assert "Question 6 (`Bad Id!`), field `difficulty`" in text
    assert "Question 6 (`Bad Id!`), field `colour`: unknown field" in text
    assert not any("Question 5" in p for p in found)  # the valid free question is fine
    assert not any("Question 1 " in p for p in found)


def test_choice_answer_must_be_an_option_and_options_distinct() -> None:
    found = problems_of([q(answer="likes"), q(id="dup", options=["a", "A", "b", "c"], answer="a")])
    assert "Question 1 (`hearts`), field `answer`: must be exactly one of the 4 options." in found
    assert "Question 2 (`dup`), field `options`: has the same option twice." in found


def test_mentions_and_existing_ids_are_rejected() -> None:
    found = problems_of([q(explanation="ping @everyone"), q(id="taken")], existing_ids={"taken"})
    assert any("field `explanation`" in p and "@everyone" in p for p in found)
    assert "Question 2 (`taken`), field `id`: already exists on this server; pick another id." in (
        found
    )


def test_file_level_problems() -> None:
    with pytest.raises(PackErrors, match=r"5\.0 MB"):
        parse_pack_bytes(b"x" * (5 * 1024 * 1024), "huge.yaml")
    assert MAX_PACK_BYTES < 5 * 1024 * 1024
    with pytest.raises(PackErrors, match=r"couldn't be read as yaml.*line 3"):
        parse_pack_bytes(b"questions:\n  - id: [unclosed\n", "broken.yaml")
    with pytest.raises(PackErrors, match="couldn't be read as json"):
        parse_pack_bytes(b"{nope", "broken.json")
    with pytest.raises(PackErrors, match=r"\.yaml"):
        parse_pack_bytes(b"{}", "pack.txt")
    with pytest.raises(PackErrors, match="non-empty list"):
        validate_pack({"pack": "x"}, key_prefix="g")


def test_json_and_round_trip_through_export() -> None:
    data = json.dumps({"questions": [q(), q(id="fr", type="free", options=None, answer="fam")]})
    questions = validate_pack(parse_pack_bytes(data.encode(), "p.json"), key_prefix="g")
    assert [x.key for x in questions] == ["g:hearts", "g:fr"]
    again = validate_pack(parse_pack_bytes(dump_pack("x", questions), "x.yaml"), key_prefix="g")
    assert again == questions


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
