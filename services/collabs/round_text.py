"""What a round says besides the intros: the public line in the collab channel, the private
note to each member it couldn't match (and why), and the private threads' names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.i18n import _, ngettext
from core.text import neutralise, truncate
from services.collabs.intro_text import either
from services.directory import FALLBACK_MEMBER


def announcement(matched: int, groups: int, no_language: int) -> str:
    """The round's one public line (no names, no pings)."""
    text = _(
        "💞 New collab round! {creators} matched into {groups}: check your private thread (or "
        "DMs) for your match and two collab ideas.",
        creators=ngettext("{n} creator", "{n} creators", matched),
        groups=ngettext("{n} group", "{n} groups", groups),
    )
    if no_language:
        text += " " + ngettext(
            "{n} creator had nobody free who speaks their language this round: know creators "
            "who do? Invite them!",
            "{n} creators had nobody free who speaks their language this round: know creators "
            "who do? Invite them!",
            no_language,
        )
    return text + " " + _("Not in yet? `/collab optin` and you're in the next one!")


def left_out_note(why: str, guild_name: str, languages: Sequence[str]) -> str:
    """A private DM to a member the round couldn't place: why, and what they can do."""
    server = neutralise(guild_name)
    langs = either(languages) if languages else ""
    if why == "alone":
        return _(
            "Hey mutual! 💞 No collab match for you in **{server}** this round: you were the "
            "only creator in it. You're still in for the next one: invite the fam to "
            "`/collab optin` so there's someone to match you with! 🌱",
            server=server,
        )
    if why == "age":
        return _(
            "Hey mutual! 💞 No collab match for you in **{server}** this round: collabs always "
            "keep adults and members who aren't confirmed 18+ apart, and nobody else in your "
            "age group was free this round. You're still in for the next one! If your age group "
            "looks wrong, update it with `/profile set age:` (only moderators see it) or ask a "
            "moderator. 🌱",
            server=server,
        )
    if why == "language" and langs:
        return _(
            "Hey mutual! 💞 No collab match for you in **{server}** this round: nobody free "
            "this round speaks {languages}. You're still in for the next one! Create in another "
            "language too? Add it with `/collab optin languages:`. Know creators who speak "
            "{languages}? Invite them to the fam! 🌱",
            server=server,
            languages=langs,
        )
    if langs:
        return _(
            "Hey mutual! 💞 No collab match for you in **{server}** this round: everyone free "
            "who speaks {languages} already had a match or can't be paired with you. You're "
            "still in for the next round, hang tight! 🌱",
            server=server,
            languages=langs,
        )
    return _(
        "Hey mutual! 💞 No collab match for you in **{server}** this round: everyone free "
        "already had a match or can't be paired with you. You're still in for the next round, "
        "hang tight! 🌱",
        server=server,
    )


def thread_title(members: Sequence[int], names: Mapping[int, str]) -> str:
    """A private thread's name: the members' stored display names (Discord caps it at 100)."""
    who = " × ".join(names.get(u, FALLBACK_MEMBER) for u in members)
    return truncate(_("💞 collab: {who}", who=who), 100)
