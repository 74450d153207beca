"""Collab matchmaking: members opt in, moderators schedule rounds, each round pairs everyone
who fits (a trio for an odd one out; a shared language always), introduces them and later asks
"did you collab?"."""

from core.max_matching import solve_exact
from services.collabs.base import (
    ANNOUNCE_PURPOSE,
    FOLLOWUP_KIND,
    FOLLOWUP_PURPOSE,
    INTRO_KIND,
    INTRO_PURPOSE,
    LEFT_OUT_PURPOSE,
    ROUND_NOW_KIND,
    SLOT_KIND,
)
from services.collabs.delivery import (
    CollabPort,
    FollowupPlan,
    IntroPlan,
    Opened,
    RoundPlan,
    collab_plans,
)
from services.collabs.inputs import FREQUENCIES, parse_formats, parse_languages, parse_pause_date
from services.collabs.intro_text import either, explain, prompts_for
from services.collabs.matching import Group, MatchResult, match
from services.collabs.results import (
    ANSWERS,
    LEFT_OUT_REASONS,
    AnswerResult,
    CollabProfile,
    GroupInfo,
    MemberStatus,
    RoundInfo,
    RoundSettings,
    Stats,
    Suggestion,
)
from services.collabs.round_text import announcement, left_out_note, thread_title
from services.collabs.scoring import (
    BANDS,
    FORMATS,
    Candidate,
    Features,
    best_partners,
    pair_score,
    scores,
    speak_together,
    upper_bound,
)
from services.collabs.service import CollabService
from services.collabs.synthetic import store_synthetic, synthetic_candidates

__all__ = [
    "ANNOUNCE_PURPOSE",
    "ANSWERS",
    "BANDS",
    "FOLLOWUP_KIND",
    "FOLLOWUP_PURPOSE",
    "FORMATS",
    "FREQUENCIES",
    "INTRO_KIND",
    "INTRO_PURPOSE",
    "LEFT_OUT_PURPOSE",
    "LEFT_OUT_REASONS",
    "ROUND_NOW_KIND",
    "SLOT_KIND",
    "AnswerResult",
    "Candidate",
    "CollabPort",
    "CollabProfile",
    "CollabService",
    "Features",
    "FollowupPlan",
    "Group",
    "GroupInfo",
    "IntroPlan",
    "MatchResult",
    "MemberStatus",
    "Opened",
    "RoundInfo",
    "RoundPlan",
    "RoundSettings",
    "Stats",
    "Suggestion",
    "announcement",
    "best_partners",
    "collab_plans",
    "either",
    "explain",
    "left_out_note",
    "match",
    "pair_score",
    "parse_formats",
    "parse_languages",
    "parse_pause_date",
    "prompts_for",
    "scores",
    "solve_exact",
    "speak_together",
    "store_synthetic",
    "synthetic_candidates",
    "thread_title",
    "upper_bound",
]
