"""AutoMod's matching semantics, pure: wildcards, phrases, case, regex patterns on RE2, allow
lists, which rules apply, and what the member is shown of a match."""

from __future__ import annotations

from typing import Any

import pytest

from services.safety.automod import (
    BLOCKED_WORDS,
    Hit,
    Matcher,
    RuleBook,
    RuleSpec,
    keyword_regex,
    parse_rule,
)


def hits(keyword: str, text: str) -> bool:
    return Matcher("r", [keyword]).find(text) is not None


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        # prefix: the word starts with it (Discord's own examples)
        ("cat*", "catch"),
        ("cat*", "Catapult"),
        ("cat*", "CAttLE"),
        ("the mat*", "the matrix"),
        # suffix: the word ends with it
        ("*cat", "wildcat"),
        ("*cat", "copyCat"),
        ("*the mat", "breathe mat"),
        # anywhere
        ("*cat*", "location"),
        ("*cat*", "eduCation"),
        ("*the mat*", "breathe matter"),
        # whole word or phrase
        ("cat", "Cat"),
        ("cat", "a cat!"),
        ("the mat", "on THE   mat today"),
        ("i like c++", "i like c++ a lot"),
        # a star inside stands for any letters
        ("tra* ba*", "trade ball"),
        # case-insensitive beyond ASCII
        ("école", "ÉCOLE de danse"),
    ],
)
def test_keyword_matches(keyword: str, text: str) -> None:
    assert hits(keyword, text)


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("cat*", "location"),  # prefix: not inside a word
        ("cat*", "wildcat"),
        ("*cat", "catch"),  # suffix: not at a word's start
        ("*cat", "locations"),
        ("cat", "catch"),  # whole word only
        ("cat", "wildcat"),
        ("cat", "scatter"),
        ("the mat", "the matrix"),
        ("*", "anything at all"),  # only wildcards: matches nothing
        ("  ", "anything"),
    ],
)
def test_keyword_does_not_match(keyword: str, text: str) -> None:
    assert not hits(keyword, text)


def test_keywords_are_taken_literally_apart_from_the_wildcard() -> None:
    for keyword in ("a.b", "(x)", "[y]", "a|b", "$5", "^^", "\\o/"):
        assert hits(keyword, f"so {keyword} here"), keyword
    assert not hits("a.b", "axb") and not hits("a|b", "a") and not hits("(x)", "x")
    assert keyword_regex("*") is None and keyword_regex("**") is None


def test_regex_patterns_are_case_insensitive_and_rust_syntax() -> None:
    matcher = Matcher("Links", [], [r"(b|c)at", r"disc[o0]rd\.gg/\w+", r"\p{Greek}+"])
    assert matcher.find("BAT signal") == Hit("BAT", "Links")
    assert matcher.find("join DISC0RD.GG/abc") is not None
    assert matcher.find("γειά σου") is not None
    assert matcher.find("a dog") is None
    assert matcher.unreadable == ()


def test_patterns_re2_cannot_read_are_skipped_and_listed() -> None:
    matcher = Matcher("Odd", ["ok"], [r"(?<=a)b", r"(x)\1", r"ab"])
    assert matcher.unreadable == (r"(?<=a)b", r"(x)\1")
    assert matcher.find("ab") is not None  # the readable ones still apply
    assert matcher.find("that's ok") is not None


def test_no_pattern_can_hang_on_member_text() -> None:
    """A pattern that backtracks exponentially in Python's re answers at once on RE2."""
    matcher = Matcher("Evil", [], [r"(a+)+$"])
    assert matcher.find("a" * 5000 + "!") is None
    assert matcher.find("aaaa") is not None


def test_allow_list_excuses_matches_inside_it_only() -> None:
    matcher = Matcher("Cats", ["*cat*"], [r"do+g"], ["education", "*dog show"])
    assert matcher.find("an education") is None
    assert matcher.find("education and a cat") == Hit("cat", "Cats")
    assert matcher.find("the big dog show") is None  # the pattern's match lies inside it
    assert matcher.find("doooog") is not None
    # an allowed match doesn't hide an overlapping one that isn't allowed
    overlap = Matcher("O", ["*ab*"], [], ["xab"])
    assert overlap.find("xab ab") is not None
    assert overlap.find("xab") is None


def _rule(**overrides: Any) -> dict[str, Any]:
    """A rule exactly as Discord's API sends it."""
    rule: dict[str, Any] = {
        "id": "969707018069872670",
        "guild_id": "613425648685547541",
        "name": "Keyword Filter 1",
        "creator_id": "423457898095789043",
        "trigger_type": 1,
        "event_type": 1,
        "actions": [{"type": 1, "metadata": {"custom_message": "Not here"}}],
        "trigger_metadata": {
            "keyword_filter": ["cat*", "*dog", "*ana*", "i like c++"],
            "regex_patterns": ["(b|c)at", "^(?:[0-9]{1,3}\\.){3}[0-9]{1,3}$"],
            "allow_list": ["catalog"],
        },
        "enabled": True,
        "exempt_roles": [],
        "exempt_channels": [],
    }
    rule.update(overrides)
    return rule


def test_parse_rule_reads_discords_json() -> None:
    spec = parse_rule(_rule())
    assert spec is not None and spec.applied
    assert spec.rule_id == 969707018069872670 and spec.name == "Keyword Filter 1"
    assert spec.keywords == ("cat*", "*dog", "*ana*", "i like c++")
    assert spec.allow_list == ("catalog",)
    book = RuleBook([spec], [])
    assert book.find("look a hotdog") == Hit("hotdog", "Keyword Filter 1")
    assert book.find("127.0.0.1") is not None
    assert book.allows("our catalog is out")
    assert book.allows("a dogma")


def test_which_rules_apply() -> None:
    assert parse_rule(_rule(trigger_type=3)) is None  # spam
    assert parse_rule(_rule(trigger_type=5)) is None  # mention spam
    assert parse_rule(_rule(trigger_type=6, event_type=2)) is None  # member profiles
    disabled = parse_rule(_rule(enabled=False))
    assert disabled is not None and not disabled.applied
    assert RuleBook([disabled], []).allows("cats everywhere")
    preset = parse_rule(
        _rule(trigger_type=4, trigger_metadata={"presets": [1, 3], "allow_list": ["scunthorpe"]})
    )
    assert preset is not None and preset.presets == (1, 3) and not preset.applied
    assert RuleBook([preset], []).empty


def test_blocked_words_use_the_same_syntax_and_come_last() -> None:
    rule = RuleSpec(1, "Scams", 1, True, keywords=("free nitro",))
    book = RuleBook([rule], ["cringe", "*scam*"])
    assert book.find("get FREE  Nitro now") == Hit("FREE  Nitro", "Scams")
    assert book.find("so cringe") == Hit("cringe", BLOCKED_WORDS)
    assert book.find("scammers!") == Hit("scammers", BLOCKED_WORDS)
    assert book.allows("cringeworthy")  # whole word only
    assert book.allows(None) and book.allows("")


def test_the_hint_never_spells_the_word_out() -> None:
    assert Hit("scammers", "x").hint == "s•••••••"
    assert Hit("a", "x").hint == "•"
    assert Hit("x" * 40, "x").hint == "x" + "•" * 8
    assert Hit("free   nitro", "x").hint == "f" + "•" * 8
