"""Collab matchmaking: members opt in, moderators schedule rounds, each round pairs everyone
who fits (a trio for an odd one out), introduces them and later asks "did you collab?"."""

from services.collabs.delivery import FOLLOWUP_PURPOSE, INTRO_PURPOSE, SLOT_KIND
from services.collabs.inputs import FREQUENCIES, parse_formats, parse_languages, parse_pause_date
from services.collabs.intro_text import explain, prompts_for
from services.collabs.matching import Group, MatchResult, match, solve_exact
from services.collabs.results import (
    ANSWERS,
    AnswerResult,
    CollabProfile,
    DueRound,
    GroupInfo,
    MemberStatus,
    RoundInfo,
    RoundSettings,
    Stats,
    Suggestion,
)
from services.collabs.scoring import (
    BANDS,
    FORMATS,
    Candidate,
    Features,
    best_partners,
    pair_score,
    scores,
    upper_bound,
)
from services.collabs.service import CollabService
from services.collabs.synthetic import synthetic_candidates

__all__ = [
    "ANSWERS",
    "BANDS",
    "FOLLOWUP_PURPOSE",
    "FORMATS",
    "FREQUENCIES",
    "INTRO_PURPOSE",
    "SLOT_KIND",
    "AnswerResult",
    "Candidate",
    "CollabProfile",
    "CollabService",
    "DueRound",
    "Features",
    "Group",
    "GroupInfo",
    "MatchResult",
    "MemberStatus",
    "RoundInfo",
    "RoundSettings",
    "Stats",
    "Suggestion",
    "best_partners",
    "explain",
    "match",
    "pair_score",
    "parse_formats",
    "parse_languages",
    "parse_pause_date",
    "prompts_for",
    "scores",
    "solve_exact",
    "synthetic_candidates",
    "upper_bound",
]
