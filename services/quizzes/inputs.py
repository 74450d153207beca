"""The ``/quiz-mod add`` form turned into a pack question: the same schema as an imported pack,
with replies that speak about the form's boxes."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from core.errors import DomainError
from core.i18n import _
from core.text import clean_line
from services.quizzes.packs import PackErrors, validate_pack
from services.quizzes.questions import MAX_ANSWER, MAX_EXPLANATION, MAX_PROMPT, Question


def question_form(
    *,
    category: str,
    difficulty: str,
    prompt: str,
    answer: str,
    wrong_options: str,
    accepted: str,
    explanation: str,
) -> dict[str, Any]:
    """The form as a pack question without its id: 3 wrong options (one per line) make it
    multiple choice, none a typed answer."""
    prompt = clean_line(prompt, field="question", max_len=MAX_PROMPT)
    answer = clean_line(answer, field="answer", max_len=MAX_ANSWER)
    explanation = clean_line(explanation, field="explanation", max_len=MAX_EXPLANATION)
    wrong = [w.strip() for w in wrong_options.splitlines() if w.strip()]
    variants = [a.strip() for a in accepted.splitlines() if a.strip()]
    raw: dict[str, Any] = {
        "category": category,
        "difficulty": difficulty,
        "question": prompt,
        "answer": answer,
        "explanation": explanation,
    }
    if wrong:
        if len(wrong) != 3:
            raise DomainError(
                _(
                    "Give exactly 3 wrong options, one per line (you gave {count}), or leave "
                    "that box empty for a typed-answer question.",
                    count=len(wrong),
                )
            )
        if variants:
            raise DomainError(
                _(
                    "Other accepted answers are for typed-answer questions. Leave that box "
                    "empty for multiple choice."
                )
            )
        raw.update(type="choice", options=[answer, *wrong])
    else:
        raw.update(type="free", accept=variants)
    return raw


def new_question_id(answer: str, taken: Collection[str]) -> str:
    """An id from the answer ("q-blowing-up"), numbered when the server already has it."""
    base = "q-" + "-".join(answer.casefold().split())[:20].strip("-")
    base = "".join(ch for ch in base if ch.isalnum() or ch == "-") or "q"
    qid, n = base, 2
    while qid in taken:
        qid, n = f"{base}-{n}", n + 1
    return qid


def validate_form(raw: dict[str, Any]) -> Question:
    """The form's question checked like a pack's; its first problem as a plain reply."""
    try:
        (question,) = validate_pack([raw], key_prefix="g")
    except PackErrors as exc:
        problem = exc.problems[0]
        raise DomainError(
            _(
                "That question can't be added: {field} {problem}",
                field=problem.field or _("it"),
                problem=problem.message,
            )
        ) from None
    return question
