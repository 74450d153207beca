"""The Report button every capability puts on what Mutuals posts between members, the short
report form it opens, and the moderators' buttons on a report. The buttons are persistent
(their custom ids carry what is reported), so a post from last month can still be reported."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from core.components import PersistentButton, cog_of
from core.errors import DomainError
from core.i18n import N_, _
from core.interactions import MutualsModal
from core.text import truncate
from services.safety.report_inputs import CATEGORIES, DETAILS_MAX

if TYPE_CHECKING:
    from cogs.safety.reports import ReportsCog

#: sources as their one-letter code in a custom id (100 characters at most)
CODES = {"collab": "c", "intro": "i", "shoutout": "s", "recap": "r"}
SOURCE_OF = {code: source for source, code in CODES.items()}


def _cog(interaction: discord.Interaction) -> ReportsCog:
    # imported here, not at the top: the cog module imports this one
    from cogs.safety.reports import ReportsCog

    return cog_of(interaction.client, ReportsCog)


class ReportButton(
    PersistentButton, template=r"mutuals:report:(?P<src>[cisr]):(?P<ref>\d+)(?::(?P<user>\d+))?"
):
    """ "🚩 Report" on a post between members. ``ref`` is the collab group for collab intros,
    else the guild; ``user`` the member a post is about (none on a recap: the form asks)."""

    def __init__(self, source: str, ref: int, user: int | None = None) -> None:
        custom_id = f"mutuals:report:{CODES[source]}:{ref}" + (f":{user}" if user else "")
        super().__init__(
            custom_id=custom_id, label=_("Report"), emoji="🚩", style=discord.ButtonStyle.secondary
        )
        self.source, self.ref, self.user = source, ref, user

    @classmethod
    def about_collab(cls, group_id: int) -> ReportButton:
        return cls("collab", group_id)

    @classmethod
    def about_member(cls, source: str, guild_id: int, user_id: int) -> ReportButton:
        """On a post about one member: a welcome intro or a shoutout."""
        return cls(source, guild_id, user_id)

    @classmethod
    def about_recap(cls, guild_id: int) -> ReportButton:
        return cls("recap", guild_id)

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> ReportButton:
        user = int(match["user"]) if match["user"] else None
        return cls(SOURCE_OF[match["src"]], int(match["ref"]), user)

    async def pressed(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).open_form(interaction, self.source, self.ref, self.user)


MOD_BUTTONS = {
    "dismiss": (N_("Dismiss"), "👍", discord.ButtonStyle.secondary),
    "collabs": (N_("Remove from collabs"), "🚫", discord.ButtonStyle.danger),
    "back": (N_("Let back into collabs"), "↩️", discord.ButtonStyle.secondary),
    "post": (N_("Remove post"), "🗑️", discord.ButtonStyle.danger),
}


class ModButton(
    PersistentButton,
    template=r"mutuals:report:mod:(?P<action>dismiss|collabs|back|post):(?P<id>\d+)",
):
    """A moderator's decision on report ``report_id`` (refused to anyone else at run time)."""

    def __init__(self, action: str, report_id: int) -> None:
        label, emoji, style = MOD_BUTTONS[action]
        super().__init__(
            custom_id=f"mutuals:report:mod:{action}:{report_id}",
            label=truncate(_(label), 80),
            emoji=emoji,
            style=style,
        )
        self.action, self.report_id = action, report_id

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> ModButton:
        return cls(match["action"], int(match["id"]))

    async def pressed(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).moderate(interaction, self.action, self.report_id)


def mod_view(actions: list[str], report_id: int) -> discord.ui.View | None:
    if not actions:
        return None
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(ModButton(action, report_id))
    return view


@dataclass(frozen=True)
class ReportForm:
    """What a Report button knows when it opens the form (the message is the one pressed on)."""

    guild_id: int
    source: str
    channel_id: int | None
    message_id: int | None
    in_dm: bool
    #: who the post is about, with names: one (asked nothing), several (the form asks which),
    #: or None (a recap: the member picks anyone)
    candidates: tuple[tuple[int, str], ...] | None


class ReportModal(MutualsModal):
    """The short form: who (when a post involves several), what happened, optional details.

    Its custom id is unique per opening: discord.py keeps modals by custom id, and two members
    reporting the same post at once must never receive each other's form."""

    def __init__(self, cog: ReportsCog, form: ReportForm, nonce: int) -> None:
        super().__init__(
            title=truncate(_("Report to the moderators"), 45),
            custom_id=f"mutuals:report:form:{nonce}",
            timeout=900,
        )
        self.cog = cog
        self.form = form
        self.who: discord.ui.Select[Any] | discord.ui.UserSelect[Any] | None = None
        if form.candidates is None:
            self.who = discord.ui.UserSelect(custom_id="who", required=True)
        elif len(form.candidates) > 1:
            self.who = discord.ui.Select(
                custom_id="who",
                options=[
                    discord.SelectOption(label=truncate(name, 100), value=str(uid))
                    for uid, name in form.candidates[:25]
                ],
            )
        if self.who is not None:
            self.add_item(
                discord.ui.Label(text=truncate(_("Who is this about?"), 45), component=self.who)
            )
        self.what: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="what",
            placeholder=truncate(_("Pick what happened"), 150),
            options=[
                discord.SelectOption(label=truncate(_(label), 100), value=key)
                for key, label in CATEGORIES.items()
            ],
        )
        self.add_item(discord.ui.Label(text=truncate(_("What happened?"), 45), component=self.what))
        self.details: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="details",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=DETAILS_MAX,
            placeholder=truncate(
                _("What they said or did, when, anything that helps. Only moderators see it."),
                100,
            ),
        )
        self.add_item(
            discord.ui.Label(
                text=truncate(_("Anything else the mods should know?"), 45),
                description=truncate(_("Optional. They won't tell anyone it was you."), 100),
                component=self.details,
            )
        )

    def _target(self) -> tuple[int, bool]:
        """(who is reported, whether it is a bot)."""
        if isinstance(self.who, discord.ui.UserSelect):
            if not self.who.values:
                raise DomainError(_("Pick who this is about, then send it again."))
            picked: object = self.who.values[0]
            # discord.py hands over the bare id when Discord sent no resolved member
            return int(getattr(picked, "id", str(picked))), bool(getattr(picked, "bot", False))
        if isinstance(self.who, discord.ui.Select):
            if not self.who.values:
                raise DomainError(_("Pick who this is about, then send it again."))
            return int(self.who.values[0]), False
        assert self.form.candidates
        return self.form.candidates[0][0], False

    async def on_submit(self, interaction: discord.Interaction) -> None:
        target, is_bot = self._target()
        if not self.what.values:
            raise DomainError(_("Pick what happened from the list, then send it again."))
        await self.cog.submit(
            interaction,
            self.form,
            target=target,
            target_is_bot=is_bot,
            category=self.what.values[0],
            details=self.details.value,
        )
