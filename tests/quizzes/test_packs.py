"""Question packs: the schema, file parsing and the shipped packs; pure functions, no database."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from services.quizzes import (
    CATEGORIES,
    MAX_PACK_BYTES,
    PackErrors,
    ShippedPacksMissing,
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


def starter(prefix: str, count: int = 28) -> list[dict[str, Any]]:
    """A valid language pack's worth of questions, every category with enough for a game."""
    cats = list(CATEGORIES)
    return [q(id=f"{prefix}-{i}", category=cats[i % len(cats)]) for i in range(count)]


def test_shipped_packs_never_silently_vanish(tmp_path: Path) -> None:
    missing = tmp_path / "quizzes"
    with pytest.raises(ShippedPacksMissing, match=r"quiz packs folder .*quizzes is missing"):
        load_builtin(missing)
    missing.mkdir()
    with pytest.raises(ShippedPacksMissing, match=r"English quiz packs folder .*en is missing"):
        load_builtin(missing)
    english = missing / "en"
    english.mkdir()
    with pytest.raises(ShippedPacksMissing, match=r"holds no pack \(\.yaml, \.yml or \.json\)"):
        load_builtin(missing)  # an empty folder used to load zero questions quietly
    (english / "README.md").write_text("packs go here")
    with pytest.raises(ShippedPacksMissing, match="holds no pack"):
        load_builtin(missing)
    # a pack saved as .yml (or .json) is loaded, not skipped
    (english / "lingo.yml").write_text(json.dumps({"questions": starter("lingo")}))
    (english / "rules.json").write_text(json.dumps([q(id="rules-1", category="rules")]))
    keys = [x.key for x in load_builtin(missing)]
    assert keys[0] == "b:lingo-0" and keys[-1] == "b:rules-1" and len(keys) == 29


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


def test_a_single_problem_is_counted_in_the_singular() -> None:
    with pytest.raises(PackErrors) as exc:
        validate_pack([q(), q(id="two", answer="likes")], key_prefix="g")
    assert str(exc.value.message).splitlines() == [
        "Nothing was imported: I found 1 problem in that pack.",
        "• Question 2 (`two`), field `answer`: must be exactly one of the 4 options.",
    ]


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
