"""Quiz packs per language: every shipped pack is valid and written in its language, the loader
refuses misplaced or thin packs, a server plays the pack of its language (English, with a note,
when there is none), and scores, leaderboards and the daily term carry across packs."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from core.clock import ManualClock
from core.db import Database
from core.errors import ContentError
from core.i18n import LANGUAGES, SOURCE, use_locale
from services.languages import choose_server_language
from services.quizzes import (
    CATEGORIES,
    MIN_SHIPPED_QUESTIONS,
    QuizService,
    ShippedPacks,
    fallback_note,
    load_shipped,
)
from services.quizzes.shipped import MIN_PER_CATEGORY, ShippedPacksMissing

G, CH = 1, 10
ALICE = 101

#: a character of the language's own script (Japanese kana, Hangul) or its accents, so a pack
#: that is English in disguise fails
SCRIPT = {
    "ja": re.compile(r"[\u3040-\u30ff]"),
    "ko": re.compile(r"[\uac00-\ud7a3]"),
    "es": re.compile(r"[áéíóúñ¿¡]"),
    "pt_BR": re.compile(r"[ãõçáéêóô]"),
}


def test_every_language_ships_a_valid_starter_pack() -> None:
    shipped = load_shipped()
    assert shipped.languages == LANGUAGES  # en, es, pt_BR, ja, ko
    english_prompts = {q.prompt for q in shipped.by_language[SOURCE]}
    for language, questions in shipped.by_language.items():
        assert len(questions) >= MIN_SHIPPED_QUESTIONS, language
        assert len({q.id for q in questions}) == len(questions), language  # unique ids
        assert len({q.key for q in questions}) == len(questions)
        prefix = "b:" if language == SOURCE else f"b-{language}:"
        assert all(q.key.startswith(prefix) for q in questions), language
        per_category = Counter(q.category for q in questions)
        assert set(per_category) == set(CATEGORIES), language
        assert min(per_category.values()) >= MIN_PER_CATEGORY, (language, per_category)
        assert {q.kind for q in questions} == {"choice", "free"}, language
        for q in questions:
            assert q.explanation and q.prompt
            if q.kind == "choice":  # valid answers: one of 4 different options
                assert len(set(q.options)) == 4 and q.answer in q.options, q.key
            else:
                assert q.answer and all(a.strip() for a in q.answers), q.key
        if language != SOURCE:
            assert not english_prompts & {q.prompt for q in questions}  # written, not copied
            written = sum(
                bool(SCRIPT[language].search(q.prompt + q.explanation)) for q in questions
            )
            assert written >= len(questions) * 0.8, (language, written)
    # every language's keys are its own: stats and the daily term never confuse two packs
    keys = [q.key for questions in shipped.by_language.values() for q in questions]
    assert len(keys) == len(set(keys))


def q(qid: str, category: str = "lingo", **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": qid,
        "category": category,
        "type": "choice",
        "difficulty": "easy",
        "question": f"Question {qid}?",
        "options": ["a", "b", "c", "d"],
        "answer": "a",
        "explanation": "Because.",
    }
    return {**base, **over}


def pack(prefix: str, count: int = 28) -> list[dict[str, Any]]:
    cats = list(CATEGORIES)
    return [q(f"{prefix}-{i}", cats[i % len(cats)]) for i in range(count)]


def write(folder: Path, name: str, questions: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps({"pack": name, "questions": questions}))


def test_loader_refuses_thin_misplaced_and_broken_packs(tmp_path: Path) -> None:
    root = tmp_path / "quizzes"
    write(root / "en", "en.json", pack("en"))
    write(root / "ko", "ko.json", pack("ko"))
    loaded = load_shipped(root)
    assert loaded.languages == ("en", "ko")
    assert loaded.by_language["ko"][0].key == "b-ko:ko-0"

    thin = tmp_path / "thin"
    write(thin / "en", "en.json", pack("en"))
    write(thin / "ja", "ja.json", pack("ja", count=24))
    with pytest.raises(ContentError, match=r"data/quizzes/ja/ have 24 questions.*at least 25"):
        load_shipped(thin)

    lopsided = tmp_path / "lopsided"
    write(lopsided / "en", "en.json", pack("en"))
    write(lopsided / "es", "es.json", [q(f"l-{i}") for i in range(30)])
    with pytest.raises(ContentError, match="fewer than 5 questions in sayings, rules, niches"):
        load_shipped(lopsided)

    duplicate = tmp_path / "duplicate"
    write(duplicate / "en", "en.json", pack("en"))
    write(duplicate / "pt_BR", "a.json", pack("pt"))
    write(duplicate / "pt_BR", "b.json", [q("pt-3")])
    with pytest.raises(ContentError, match=r"(?s)pt_BR/b\.json is invalid.*`pt-3`.*taken in"):
        load_shipped(duplicate)

    wrong_answer = tmp_path / "wrong"
    write(wrong_answer / "en", "en.json", pack("en"))
    write(wrong_answer / "ko", "ko.json", [*pack("ko"), q("ko-x", answer="e")])
    with pytest.raises(ContentError, match=r"(?s)ko\.json is invalid.*exactly one of the 4"):
        load_shipped(wrong_answer)

    unknown = tmp_path / "unknown"
    write(unknown / "en", "en.json", pack("en"))
    write(unknown / "pt-BR", "pt.json", pack("pt"))
    with pytest.raises(ContentError, match=r"data/quizzes/pt-BR/ isn't a language.*pt_BR"):
        load_shipped(unknown)

    stray = tmp_path / "stray"
    write(stray / "en", "en.json", pack("en"))
    write(stray, "lingo.json", pack("old"))  # the layout before packs had languages
    with pytest.raises(ContentError, match=r"lingo\.json is directly in .*move it to"):
        load_shipped(stray)

    no_english = tmp_path / "no_english"
    write(no_english / "ko", "ko.json", pack("ko"))
    with pytest.raises(ShippedPacksMissing, match="English quiz packs folder"):
        load_shipped(no_english)


def packs() -> ShippedPacks:
    """English and Korean only (a language without a pack falls back to English)."""
    shipped = load_shipped()
    return ShippedPacks({lang: shipped.by_language[lang] for lang in ("en", "ko")})


@pytest.fixture
def quiz(db: Database, clock: ManualClock) -> QuizService:
    return QuizService(db, clock, shipped=packs(), rng=random.Random(3))


async def play(quiz: QuizService, clock: ManualClock, *, rounds: int) -> set[str]:
    """Alice answers every question of a game right; returns the keys asked."""
    game = await quiz.games.start_game(G, CH, ALICE, count=5)
    asked: set[str] = set()
    for index in range(rounds):
        question = await quiz.games.open_question(game.id, index)
        assert question is not None
        asked.add(question.question.key)
        option = question.question.correct_option if question.question.kind == "choice" else None
        text = question.question.answer if question.question.kind == "free" else None
        assert (await quiz.games.answer(game.id, index, ALICE, option=option, text=text)).correct
        await quiz.games.close_question(game.id, index)
        clock.advance(seconds=30)
    await quiz.games.finish_game(game.id)
    return asked


async def test_a_server_plays_its_languages_pack_and_scores_carry_across_packs(
    quiz: QuizService, db: Database, clock: ManualClock
) -> None:
    english = await quiz.games.start_game(G, CH, ALICE, count=5)
    assert english.pack is not None and english.pack.pack_language == "en"
    assert not english.pack.fallback and fallback_note(english.pack) is None
    await quiz.games.stop_game(CH, ALICE, is_moderator=True)
    asked_en = await play(quiz, clock, rounds=2)
    assert all(key.startswith("b:") for key in asked_en)

    await choose_server_language(db, G, "ko")
    korean = await quiz.games.start_game(G, CH, ALICE, count=5)
    assert korean.pack is not None and korean.pack.pack_language == "ko"
    assert fallback_note(korean.pack) is None
    await quiz.games.stop_game(CH, ALICE, is_moderator=True)
    asked_ko = await play(quiz, clock, rounds=3)
    assert all(key.startswith("b-ko:") for key in asked_ko)
    # what a moderator sees and exports is this server's pack
    listed = await quiz.admin.questions(G)
    assert {q.key for q in listed} == {q.key for q in packs().by_language["ko"]}
    counts = await quiz.admin.category_counts(G)
    assert sum(n for n, _on in counts.values()) == len(packs().by_language["ko"])
    exported, count = await quiz.admin.export_pack(G, include_builtin=True)
    assert count == len(packs().by_language["ko"]) and "맞팔" in exported.decode()
    # the daily term comes from the Korean pack too
    assert (await quiz.daily.today(G)).question.key.startswith("b-ko:")

    # one leaderboard and one set of stats across both packs
    stats = await quiz.boards.stats(G, ALICE)
    assert stats.answered == 5 and stats.correct == 5 and stats.games == 2
    rows, _since = await quiz.boards.leaderboard(G, "all")
    assert [(r.user_id, r.points) for r in rows] == [(ALICE, stats.points)]
    lingo_rows, _since = await quiz.boards.leaderboard(G, "all", "lingo")
    assert all(r.user_id == ALICE for r in lingo_rows)


async def test_a_language_without_a_pack_plays_english_and_says_so(
    quiz: QuizService, db: Database
) -> None:
    await choose_server_language(db, G, "es")  # no Spanish pack in this bank
    game = await quiz.games.start_game(G, CH, ALICE, count=5)
    assert game.pack is not None and game.pack.fallback
    assert (game.pack.language, game.pack.pack_language) == ("es", "en")
    with use_locale("en"):
        note = fallback_note(game.pack)
    assert note is not None and "No quiz pack in Spanish yet" in note and "English" in note
    # ids of any language's shipped pack stay reserved for the server's own questions
    assert "matpal" in await _taken(quiz)


async def _taken(quiz: QuizService) -> set[str]:
    async with quiz.games.db.read() as session:
        return await quiz.bank.taken_ids(session, G)
