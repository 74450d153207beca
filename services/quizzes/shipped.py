"""The question packs Mutuals ships, one folder per language (``data/quizzes/<language>/``), and
which one a server plays: its own language's pack when there is one, else English (the game
then says so).

Every pack is checked at load, and a broken or thin one stops the bot, naming it: at least
``MIN_SHIPPED_QUESTIONS`` valid questions, ids unique within the language, every category with
enough questions for a game (so ``/quiz start category:…`` works in every language). English is
the source and must be there; other languages are optional. Shipped keys are ``b:<id>`` in
English (as before packs had languages: stored terms and answers keep their keys) and
``b-<language>:<id>`` in the others, so stats, leaderboards and the daily term's no-repeat rule
work across packs without two languages' ids ever meaning the same question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from core.errors import ContentError
from core.i18n import LANGUAGES, SOURCE, _, current, language_name
from services.quizzes.packs import PackErrors, parse_pack_bytes, validate_pack
from services.quizzes.questions import CATEGORIES, Question

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "quizzes"
PACK_SUFFIXES = (".yaml", ".yml", ".json")
MIN_SHIPPED_QUESTIONS = 25
MIN_PER_CATEGORY = 5  # a game's minimum (games.MIN_QUESTIONS): every category can be played


class ShippedPacksMissing(ContentError):
    """The shipped question packs aren't where the bot looks for them: stop, don't run empty."""


def key_prefix(language: str) -> str:
    return "b" if language == SOURCE else f"b-{language}"


@dataclass(frozen=True)
class PackChoice:
    """What a server plays: ``language`` is the server's, ``pack_language`` the questions'."""

    language: str
    pack_language: str
    questions: tuple[Question, ...]

    @property
    def fallback(self) -> bool:
        """True when the server's language has no pack and the questions are in English."""
        return self.language != self.pack_language


@dataclass(frozen=True)
class ShippedPacks:
    """The shipped questions by language (English always among them)."""

    by_language: Mapping[str, tuple[Question, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if SOURCE not in self.by_language:
            raise ValueError("the English pack is the fallback of every language")

    @classmethod
    def english_only(cls, questions: Iterable[Question]) -> ShippedPacks:
        return cls({SOURCE: tuple(questions)})

    def replace(self, language: str, questions: Iterable[Question]) -> ShippedPacks:
        return ShippedPacks({**self.by_language, language: tuple(questions)})

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in LANGUAGES if lang in self.by_language)

    def for_language(self, language: str) -> PackChoice:
        if language in self.by_language:
            return PackChoice(language, language, self.by_language[language])
        return PackChoice(language, SOURCE, self.by_language[SOURCE])

    def ids(self) -> set[str]:
        """Every shipped id in any language (a server's own question can't take one)."""
        return {q.id for questions in self.by_language.values() for q in questions}


def fallback_note(choice: PackChoice) -> str | None:
    """The friendly line a game shows when its questions aren't in the server's language."""
    if not choice.fallback:
        return None
    return _(
        "🌎 No quiz pack in {language} yet, so these questions are in English. "
        "Moderators can add your own with `/quiz-mod import`!",
        language=language_name(choice.language, in_language=current()),
    )


def _pack_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in PACK_SUFFIXES)


def load_language(folder: Path, language: str) -> tuple[Question, ...]:
    """One language's packs (every file in its folder), validated as one: ContentError names
    the file and every problem."""
    where = f"data/quizzes/{language}/"
    paths = _pack_files(folder)
    if not paths:
        raise ShippedPacksMissing(
            f"the quiz packs folder {folder} holds no pack (.yaml, .yml or .json); the "
            f"shipped questions live in {where}. Restore them, or the quizzes have "
            "nothing to ask."
        )
    questions: list[Question] = []
    ids: set[str] = set()
    for path in paths:
        try:
            raw = parse_pack_bytes(path.read_bytes(), path.name)
            found = validate_pack(raw, key_prefix=key_prefix(language), existing_ids=ids)
        except PackErrors as exc:
            message = exc.message.replace("already exists on this server", f"is taken in {where}")
            raise ContentError(f"quiz pack {where}{path.name} is invalid:\n{message}") from None
        ids.update(q.id for q in found)
        questions.extend(found)
    if len(questions) < MIN_SHIPPED_QUESTIONS:
        raise ContentError(
            f"the quiz packs in {where} have {len(questions)} questions; a shipped language "
            f"needs at least {MIN_SHIPPED_QUESTIONS}."
        )
    thin = [c for c in CATEGORIES if sum(q.category == c for q in questions) < MIN_PER_CATEGORY]
    if thin:
        raise ContentError(
            f"the quiz packs in {where} have fewer than {MIN_PER_CATEGORY} questions in "
            f"{', '.join(thin)}; every category needs enough for a game."
        )
    return tuple(questions)


@lru_cache(maxsize=4)
def load_shipped(directory: Path = DATA_DIR) -> ShippedPacks:
    """Every shipped language's questions, validated at load: a missing, empty, misplaced or
    broken pack stops the bot loudly instead of running with no (or wrong) questions."""
    if not directory.is_dir():
        raise ShippedPacksMissing(
            f"the quiz packs folder {directory} is missing; the shipped questions live in "
            "data/quizzes/<language>/ (*.yaml). Restore it, or the quizzes have nothing to ask."
        )
    stray = _pack_files(directory)
    if stray:
        raise ContentError(
            f"quiz pack {stray[0].name} is directly in {directory}; packs live in a folder per "
            f"language: move it to data/quizzes/{SOURCE}/ (or the language it's written in)."
        )
    folders = {p.name: p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")}
    unknown = sorted(set(folders) - set(LANGUAGES))
    if unknown:
        raise ContentError(
            f"the quiz packs folder data/quizzes/{unknown[0]}/ isn't a language Mutuals speaks; "
            f"use one of: {', '.join(LANGUAGES)}."
        )
    if SOURCE not in folders:
        raise ShippedPacksMissing(
            f"the English quiz packs folder {directory / SOURCE} is missing; the shipped "
            f"questions live in data/quizzes/{SOURCE}/. Restore it: it's every language's fallback."
        )
    return ShippedPacks({lang: load_language(folders[lang], lang) for lang in sorted(folders)})


def load_builtin(directory: Path = DATA_DIR) -> tuple[Question, ...]:
    """The English pack (every language's fallback)."""
    return load_shipped(directory).by_language[SOURCE]
