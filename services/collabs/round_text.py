"""What a round says besides the intros: the public line in the collab channel, the private
note to each member it couldn't match (and why), and the private threads' names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.text import neutralise, plural, truncate
from services.collabs.intro_text import either
from services.directory import FALLBACK_MEMBER


def announcement(matched: int, groups: int, no_language: int) -> str:
    """The round's one public line (no names, no pings)."""
    text = (
        f"💞 New collab round! {plural(matched, 'creator')} matched into "
        f"{plural(groups, 'group')}: check your private thread (or DMs) for your match and two "
        "collab ideas."
    )
    if no_language:
        text += (
            f" {plural(no_language, 'creator')} had nobody free who speaks their language this "
            "round: know creators who do? Invite them!"
        )
    return text + " Not in yet? `/collab optin` and you're in the next one!"


def left_out_note(why: str, guild_name: str, languages: Sequence[str]) -> str:
    """A private DM to a member the round couldn't place: why, and what they can do."""
    where = f"in **{neutralise(guild_name)}** this round"
    langs = either(languages) if languages else ""
    if why == "alone":
        return (
            f"Hey mutual! 💞 No collab match for you {where}: you were the only creator in it. "
            "You're still in for the next one: invite the fam to `/collab optin` so there's "
            "someone to match you with! 🌱"
        )
    if why == "age":
        return (
            f"Hey mutual! 💞 No collab match for you {where}: collabs always keep adults and "
            "members who aren't confirmed 18+ apart, and nobody else in your age group was "
            "free this round. You're still in for the next one! If your age group looks wrong, "
            "update it with `/profile set age:` (only moderators see it) or ask a moderator. 🌱"
        )
    if why == "language" and langs:
        return (
            f"Hey mutual! 💞 No collab match for you {where}: nobody free this round speaks "
            f"{langs}. You're still in for the next one! Create in another language too? Add it "
            f"with `/collab optin languages:`. Know creators who speak {langs}? Invite them to "
            "the fam! 🌱"
        )
    speakers = f"who speaks {langs} " if langs else ""
    return (
        f"Hey mutual! 💞 No collab match for you {where}: everyone free {speakers}already had a "
        "match or can't be paired with you. You're still in for the next round, hang tight! 🌱"
    )


def thread_title(members: Sequence[int], names: Mapping[int, str]) -> str:
    """A private thread's name: the members' stored display names (Discord caps it at 100)."""
    who = " × ".join(names.get(u, FALLBACK_MEMBER) for u in members)
    return truncate(f"💞 collab: {who}", 100)
