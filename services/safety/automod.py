"""Discord's AutoMod keyword rules as Mutuals applies them to member text it re-posts: a rule read
from Discord's JSON, and matching with AutoMod's semantics (keywords with wildcards, regex
patterns, the rule's allow list), pure and case-insensitive like AutoMod itself.

Keywords (and the moderators' own blocked words, which use the same syntax): ``cat`` is a whole
word or phrase, ``cat*`` a word starting with it, ``*cat`` a word ending with it, ``*cat*``
anywhere; a ``*`` inside a keyword stands for any letters. Everything runs on RE2, the engine
Discord's Rust regex syntax comes from: regex patterns keep their syntax (no look-around, no
back-references), a rule's keywords become a few alternations scanned once whatever their
number, and matching is linear, so no pattern can hang the bot on what a member typed. A pattern
RE2 can't read is skipped and listed for the moderators. A match that lies inside an allow-list
match of the same rule doesn't count, as in AutoMod.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from core.i18n import N_

KEYWORD = 1
KEYWORD_PRESET = 4
MESSAGE_SEND = 1
PRESET_NAMES = {1: N_("profanity"), 2: N_("sexual content"), 3: N_("slurs")}
BLOCKED_WORDS = "blocked words"


class _Pattern(Protocol):
    """A compiled RE2 expression (the module has no type information of its own)."""

    def search(self, text: str, pos: int = ..., /) -> Any: ...


@dataclass(frozen=True)
class RuleSpec:
    """One AutoMod rule that looks at the words of messages, as Discord describes it."""

    rule_id: int
    name: str
    trigger_type: int
    enabled: bool
    keywords: tuple[str, ...] = ()
    regex_patterns: tuple[str, ...] = ()
    allow_list: tuple[str, ...] = ()
    presets: tuple[int, ...] = ()

    @property
    def applied(self) -> bool:
        """Whether Mutuals holds text to it: enabled keyword rules. Discord's preset word lists
        (profanity, sexual content, slurs) are not published, so a preset rule can't be applied
        outside Discord."""
        return self.enabled and self.trigger_type == KEYWORD


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(v) for v in value if isinstance(v, str) and v.strip())


def parse_rule(data: Mapping[str, Any]) -> RuleSpec | None:
    """A rule as Discord sends it (REST or gateway event); None for rules that don't look at the
    words of messages (spam, mention spam, member profiles)."""
    trigger = int(data.get("trigger_type") or 0)
    if trigger not in (KEYWORD, KEYWORD_PRESET):
        return None
    if int(data.get("event_type") or MESSAGE_SEND) != MESSAGE_SEND:
        return None
    meta = data.get("trigger_metadata") or {}
    presets = meta.get("presets") or []
    return RuleSpec(
        rule_id=int(data["id"]),
        name=str(data.get("name") or "AutoMod rule")[:100],
        trigger_type=trigger,
        enabled=bool(data.get("enabled")),
        keywords=_strings(meta.get("keyword_filter")),
        regex_patterns=_strings(meta.get("regex_patterns")),
        allow_list=_strings(meta.get("allow_list")),
        presets=tuple(int(p) for p in presets if isinstance(p, int)),
    )


#: a word character in any script (RE2's own ``\w`` is ASCII only)
WORD = r"[\pL\pN_]"
NOT_WORD = r"[^\pL\pN_]"


def keyword_parts(keyword: str) -> tuple[str, bool, bool] | None:
    """(the RE2 expression of a keyword's body, wildcard at its start, wildcard at its end)
    for one keyword in AutoMod's syntax; None for a keyword that is only wildcards."""
    words = keyword.split()
    if not words:
        return None
    text = " ".join(words)
    lead, trail = text.startswith("*"), text.endswith("*")
    core = text.strip("*").strip()
    if not core.replace("*", "").strip():
        return None
    body = "".join(
        WORD + "*" if token == "*" else r"\s+" if token == " " else re.escape(token)
        for token in re.findall(r"\*|\s|[^*\s]+", core)
    )
    return body, lead, trail


def keyword_regex(keyword: str) -> str | None:
    """One keyword as an RE2 expression whose group 1 is what it matched (the whole word when
    a wildcard extends it, so the member is shown where it is); None for only wildcards."""
    parts = keyword_parts(keyword)
    return None if parts is None else _shaped(parts[0], parts[1], parts[2])


def _shaped(body: str, lead: bool, trail: bool) -> str:
    """Around a body (or an alternation of bodies): word boundaries where there is no wildcard
    (RE2 has no look-around, so the boundary character is matched outside group 1), the rest
    of the word where there is one."""
    left = f"({WORD}*" if lead else f"(?:^|{NOT_WORD})("
    right = f"{WORD}*)" if trail else f")(?:$|{NOT_WORD})"
    return f"{left}(?:{body}){right}"


@dataclass(frozen=True)
class Hit:
    """Where member text met a rule: the words matched and which rule (or the blocked words)."""

    matched: str
    source: str

    @property
    def hint(self) -> str:
        """The matched words, masked past the first letter: the member sees where, and the bot
        never echoes a slur back in full."""
        shown = " ".join(self.matched.split())
        if len(shown) <= 1:
            return "•"
        return shown[0] + "•" * min(len(shown) - 1, 8)


@cache
def _re2_options() -> Any:
    import re2

    options = re2.Options()
    options.case_sensitive = False  # AutoMod's patterns are case-insensitive
    options.log_errors = False  # a pattern RE2 can't read is reported, not logged by RE2
    return options


def compile_pattern(pattern: str) -> _Pattern | None:
    """A Discord regex pattern on RE2, or None if RE2 can't read it."""
    # RE2 (~1.2 MB resident) loads with the first AutoMod rule a server has, not at start-up
    import re2

    try:
        compiled: _Pattern = re2.compile(pattern, _re2_options())
    except re2.error:
        return None
    return compiled


def _keyword_finders(keywords: Iterable[str]) -> list[_Pattern]:
    """Keywords compiled as (at most) four RE2 alternations, one per wildcard shape: RE2 scans
    the text once whatever the number of keywords."""
    shapes: dict[tuple[bool, bool], list[str]] = {}
    for keyword in keywords:
        parts = keyword_parts(keyword)
        if parts is not None:
            shapes.setdefault((parts[1], parts[2]), []).append(parts[0])
    finders = []
    for (lead, trail), bodies in sorted(shapes.items()):
        compiled = compile_pattern(_shaped("|".join(dict.fromkeys(bodies)), lead, trail))
        assert compiled is not None, "escaped keywords always compile"
        finders.append(compiled)
    return finders


def _spans(finder: _Pattern, text: str, group: int) -> Iterator[tuple[int, int]]:
    """Every match, overlapping ones too (each search starts one character further on)."""
    pos = 0
    while pos <= len(text):
        found = finder.search(text, pos)
        if found is None:
            return
        start, end = found.span(group)
        yield start, end
        pos = found.span(0)[0] + 1


class Matcher:
    """One rule (or the blocked words) compiled: finds the first match not inside an allowed one."""

    def __init__(
        self,
        source: str,
        keywords: Iterable[str],
        patterns: Iterable[str] = (),
        allow: Iterable[str] = (),
    ) -> None:
        self.source = source
        #: (compiled, the group that is the match): keywords report group 1, patterns group 0
        self.finders: list[tuple[_Pattern, int]] = [(f, 1) for f in _keyword_finders(keywords)]
        unreadable = []
        for pattern in patterns:
            compiled = compile_pattern(pattern)
            if compiled is None:
                unreadable.append(pattern)
            else:
                self.finders.append((compiled, 0))
        self.unreadable = tuple(unreadable)
        self.allow = _keyword_finders(allow)

    def find(self, text: str) -> Hit | None:
        allowed: list[tuple[int, int]] | None = None
        for finder, group in self.finders:
            for start, end in _spans(finder, text, group):
                if end <= start:
                    continue
                if allowed is None:  # only looked for when something matched
                    allowed = [s for f in self.allow for s in _spans(f, text, 1)]
                if not any(a <= start and end <= b for a, b in allowed):
                    return Hit(text[start:end], self.source)
        return None


class RuleBook:
    """Everything one guild holds member text to: its applied AutoMod rules and its blocked
    words. Built from stored data, so any process checks the same way."""

    def __init__(self, rules: Iterable[RuleSpec], blocked_words: Iterable[str]) -> None:
        self.matchers = [
            Matcher(rule.name, rule.keywords, rule.regex_patterns, rule.allow_list)
            for rule in rules
            if rule.applied
        ]
        words = list(blocked_words)
        if words:
            self.matchers.append(Matcher(BLOCKED_WORDS, words))

    @property
    def empty(self) -> bool:
        return not any(m.finders for m in self.matchers)

    def find(self, text: str | None) -> Hit | None:
        """The first place ``text`` meets a rule, or None when it may be re-posted."""
        if not text:
            return None
        for matcher in self.matchers:
            hit = matcher.find(text)
            if hit is not None:
                return hit
        return None

    def allows(self, text: str | None) -> bool:
        return self.find(text) is None

    def unreadable(self) -> list[tuple[str, str]]:
        """(rule name, pattern) for every regex pattern RE2 couldn't read (skipped)."""
        return [(m.source, p) for m in self.matchers for p in m.unreadable]


EMPTY = RuleBook((), ())
