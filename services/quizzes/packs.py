"""Question packs: the schema every pack (shipped or imported) is validated against.

A pack is YAML or JSON: ``{"pack": "name", "questions": [ {...}, ... ]}`` (a bare list of
questions is accepted too). Each question::

    id: hearts            # a-z, 0-9 and dashes; unique in the pack
    category: lingo       # lingo | sayings | rules | niches
    type: choice          # choice (4 options) | free (typed answer)
    difficulty: easy      # easy | medium | hard
    question: "..."
    options: [a, b, c, d] # choice only: exactly 4, all different
    answer: a             # choice: one of the options; free: the expected answer
    accept: [variant]     # free only, optional: other accepted answers
    hint: "..."           # free only, optional: shown halfway (else the first letters)
    explanation: "..."    # shown at the reveal

Validation collects *every* problem with its question number and field, so a moderator fixes
a file in one go; nothing is imported unless the whole file is valid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from core.errors import DomainError
from core.i18n import _, ngettext
from core.text import clean_line
from services.quizzes.questions import (
    CATEGORIES,
    DIFFICULTIES,
    KINDS,
    MAX_ACCEPTED,
    MAX_ANSWER,
    MAX_EXPLANATION,
    MAX_HINT,
    MAX_OPTION,
    MAX_PROMPT,
    Question,
)

MAX_PACK_BYTES = 1024 * 1024  # 1 MB
MAX_PACK_QUESTIONS = 500
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
FIELDS = {
    "id",
    "category",
    "type",
    "difficulty",
    "question",
    "options",
    "answer",
    "accept",
    "hint",
    "explanation",
}


@dataclass(frozen=True)
class PackProblem:
    number: int | None  # 1-based question number; None for the file itself
    qid: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = _("File")
        if self.number is not None:
            where = (
                _("Question {number} (`{id}`)", number=self.number, id=self.qid)
                if self.qid
                else _("Question {number}", number=self.number)
            )
        if self.field:
            where = _("{where}, field `{field}`", where=where, field=self.field)
        return _("{where}: {problem}", where=where, problem=self.message)


class PackErrors(DomainError):
    """A pack that can't be used: every problem, ready to show to the moderator."""

    def __init__(self, problems: list[PackProblem]) -> None:
        super().__init__(format_problems(problems))
        self.problems = problems


def format_problems(problems: list[PackProblem], limit: int = 1800) -> str:
    head = (
        ngettext(
            "Nothing was imported: I found {n} problem in that pack.",
            "Nothing was imported: I found {n} problems in that pack.",
            len(problems),
        )
        + "\n"
    )
    lines: list[str] = []
    used = len(head)
    for i, problem in enumerate(problems):
        line = f"• {problem}"[:300]
        if used + len(line) + 40 > limit:
            lines.append(
                _("…and {count} more. Fix these and import again.", count=len(problems) - i)
            )
            break
        lines.append(line)
        used += len(line) + 1
    return head + "\n".join(lines)


def _text(
    raw: Any,
    fieldname: str,
    max_len: int,
    problems: list[PackProblem],
    where: tuple[int, str | None],
) -> str | None:
    number, qid = where
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        problems.append(PackProblem(number, qid, fieldname, _("is missing.")))
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        problems.append(PackProblem(number, qid, fieldname, _("must be text.")))
        return None
    try:
        return clean_line(str(raw), field=fieldname, max_len=max_len)
    except DomainError as exc:
        problems.append(PackProblem(number, qid, fieldname, exc.message.replace("Your ", "The ")))
        return None


def validate_question(
    raw: Any, number: int, *, key_prefix: str, problems: list[PackProblem]
) -> Question | None:
    """One question; appends every problem found (and returns None) when it is invalid."""
    before = len(problems)
    if not isinstance(raw, dict):
        problems.append(PackProblem(number, None, None, _("must be a mapping of fields.")))
        return None
    qid_raw = raw.get("id")
    qid = str(qid_raw).strip() if qid_raw is not None else None
    where = (number, qid)
    if not qid:
        problems.append(PackProblem(number, None, "id", _("is missing.")))
    elif not ID_RE.match(qid):
        problems.append(
            PackProblem(
                number,
                qid,
                "id",
                _("use 1-40 lowercase letters, digits and dashes (like `hearts-1`)."),
            )
        )
    unknown = sorted(str(k) for k in raw if k not in FIELDS)
    if unknown:
        problems.append(
            PackProblem(
                number,
                qid,
                unknown[0],
                _(
                    "unknown field(s) {unknown}; known: {known}.",
                    unknown=", ".join(unknown),
                    known=", ".join(sorted(FIELDS)),
                ),
            )
        )
    category = str(raw.get("category", "")).strip().lower()
    if category not in CATEGORIES:
        problems.append(
            PackProblem(
                number,
                qid,
                "category",
                _("must be one of {choices}.", choices=", ".join(CATEGORIES)),
            )
        )
    kind = str(raw.get("type", "")).strip().lower()
    if kind not in KINDS:
        problems.append(PackProblem(number, qid, "type", _("must be `choice` or `free`.")))
    difficulty = str(raw.get("difficulty", "medium")).strip().lower()
    if difficulty not in DIFFICULTIES:
        problems.append(
            PackProblem(
                number,
                qid,
                "difficulty",
                _("must be one of {choices}.", choices=", ".join(DIFFICULTIES)),
            )
        )
    prompt = _text(raw.get("question"), "question", MAX_PROMPT, problems, where)
    explanation = _text(raw.get("explanation"), "explanation", MAX_EXPLANATION, problems, where)
    answer = _text(raw.get("answer"), "answer", MAX_ANSWER, problems, where)
    options: list[str] = []
    accepted: list[str] = []
    hint: str | None = None
    if kind == "choice":
        raw_options = raw.get("options")
        if not isinstance(raw_options, list):
            problems.append(PackProblem(number, qid, "options", _("needs a list of 4 options.")))
        elif len(raw_options) != 4:
            problems.append(
                PackProblem(
                    number,
                    qid,
                    "options",
                    _("needs exactly 4 options, got {count}.", count=len(raw_options)),
                )
            )
        else:
            for i, opt in enumerate(raw_options, start=1):
                text = _text(opt, f"options[{i}]", MAX_OPTION, problems, where)
                if text is not None:
                    options.append(text)
            folded = [o.casefold() for o in options]
            if len(options) == 4 and len(set(folded)) != 4:
                problems.append(
                    PackProblem(number, qid, "options", _("has the same option twice."))
                )
            if answer is not None and len(options) == 4 and answer.casefold() not in folded:
                problems.append(
                    PackProblem(number, qid, "answer", _("must be exactly one of the 4 options."))
                )
            elif answer is not None and answer.casefold() in folded:
                answer = options[folded.index(answer.casefold())]
        for extra in ("accept", "hint"):
            if raw.get(extra) is not None:
                problems.append(
                    PackProblem(
                        number, qid, extra, _("only free-answer questions take this field.")
                    )
                )
    elif kind == "free":
        if raw.get("options") is not None:
            problems.append(
                PackProblem(number, qid, "options", _("free-answer questions have no options."))
            )
        raw_accept = raw.get("accept") or []
        if isinstance(raw_accept, str):
            raw_accept = [raw_accept]
        if not isinstance(raw_accept, list):
            problems.append(PackProblem(number, qid, "accept", _("needs a list of answers.")))
        elif len(raw_accept) > MAX_ACCEPTED:
            problems.append(
                PackProblem(
                    number,
                    qid,
                    "accept",
                    ngettext("keep it to {n} variant.", "keep it to {n} variants.", MAX_ACCEPTED),
                )
            )
        else:
            for i, alt in enumerate(raw_accept, start=1):
                text = _text(alt, f"accept[{i}]", MAX_ANSWER, problems, where)
                if text is not None:
                    accepted.append(text)
        if raw.get("hint") is not None:
            hint = _text(raw.get("hint"), "hint", MAX_HINT, problems, where)
    if len(problems) > before:
        return None
    assert qid and prompt and explanation and answer is not None
    return Question(
        key=f"{key_prefix}:{qid}",
        id=qid,
        category=category,
        kind=kind,
        prompt=prompt,
        options=tuple(options),
        answer=answer,
        accepted=tuple(accepted),
        difficulty=difficulty,
        explanation=explanation,
        hint=hint,
    )


def check_upload(size: int, filename: str) -> None:
    """Refuse a file by its name and announced size, before downloading it."""
    if not filename.lower().endswith((".yaml", ".yml", ".json")):
        raise PackErrors(
            [PackProblem(None, None, None, _("must be a `.yaml`, `.yml` or `.json` file."))]
        )
    if size > MAX_PACK_BYTES:
        raise PackErrors(
            [
                PackProblem(
                    None,
                    None,
                    None,
                    _(
                        "the file is {size} MB; packs can be up to {most} MB. Split it into "
                        "smaller packs.",
                        size=f"{size / 1024**2:.1f}",
                        most=MAX_PACK_BYTES // 1024**2,
                    ),
                )
            ]
        )


def parse_pack_bytes(data: bytes, filename: str) -> Any:
    """Bytes of a .yaml/.yml/.json file -> Python data; PackErrors for the file itself."""
    check_upload(len(data), filename)
    name = filename.lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PackErrors(
            [PackProblem(None, None, None, _("isn't UTF-8 text. Save it as UTF-8 and try again."))]
        ) from None
    try:
        if name.endswith(".json"):
            return json.loads(text)
        if name.endswith((".yaml", ".yml")):
            return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
            detail = _(
                "{problem} (line {line})", problem=exc.problem, line=exc.problem_mark.line + 1
            )
        raise PackErrors(
            [
                PackProblem(
                    None,
                    None,
                    None,
                    _(
                        "couldn't be read as {format}: {detail}",
                        format=name.rsplit(".", 1)[-1],
                        detail=detail,
                    ),
                )
            ]
        ) from None
    raise PackErrors(
        [PackProblem(None, None, None, _("must be a `.yaml`, `.yml` or `.json` file."))]
    )


def validate_pack(raw: Any, *, key_prefix: str, existing_ids: Iterable[str] = ()) -> list[Question]:
    """Every question of a pack, or PackErrors listing all the problems."""
    problems: list[PackProblem] = []
    items: Any = raw.get("questions") if isinstance(raw, dict) else raw
    if isinstance(raw, dict):
        extra = sorted(str(k) for k in raw if k not in ("pack", "questions"))
        if extra:
            problems.append(
                PackProblem(
                    None,
                    None,
                    extra[0],
                    _("unknown top-level field; use `pack` and `questions`."),
                )
            )
    if not isinstance(items, list) or not items:
        raise PackErrors(
            [
                *problems,
                PackProblem(None, None, "questions", _("needs a non-empty list of questions.")),
            ]
        )
    if len(items) > MAX_PACK_QUESTIONS:
        raise PackErrors(
            [
                PackProblem(
                    None,
                    None,
                    "questions",
                    ngettext(
                        "has {n} question; the most is {most}.",
                        "has {n} questions; the most is {most}.",
                        len(items),
                        most=MAX_PACK_QUESTIONS,
                    ),
                )
            ]
        )
    taken = set(existing_ids)
    seen: dict[str, int] = {}
    questions: list[Question] = []
    for number, item in enumerate(items, start=1):
        question = validate_question(item, number, key_prefix=key_prefix, problems=problems)
        qid = str(item.get("id", "")).strip() if isinstance(item, dict) else ""
        if qid and qid in seen:
            problems.append(
                PackProblem(
                    number, qid, "id", _("is a duplicate of question {number}.", number=seen[qid])
                )
            )
        elif qid and qid in taken:
            problems.append(
                PackProblem(number, qid, "id", _("already exists on this server; pick another id."))
            )
        if qid:
            seen.setdefault(qid, number)
        if question is not None:
            questions.append(question)
    if problems:
        raise PackErrors(problems)
    return questions


def dump_pack(name: str, questions: Iterable[Question]) -> bytes:
    data = {"pack": name, "questions": [q.to_dict() for q in questions]}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).encode()
