"""The collab buttons and the nomination form: "did you collab?" answers and "nominate our
collab", both still working after a restart (their custom ids carry everything)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from core.components import PersistentButton, cog_of
from core.errors import DomainError
from core.i18n import N_, _
from core.interactions import MutualsModal, reply
from services.collabs import GroupInfo

if TYPE_CHECKING:
    from cogs.collabs.cog import CollabsCog

ANSWER_BUTTONS = {
    "yes": (N_("Yes, we collabed! 💞"), discord.ButtonStyle.success),
    "not_yet": (N_("Not yet"), discord.ButtonStyle.secondary),
    "no": (N_("No"), discord.ButtonStyle.secondary),
}


def _cog(interaction: discord.Interaction) -> CollabsCog:
    # imported here, not at the top: the cog module imports this one
    from cogs.collabs.cog import CollabsCog

    return cog_of(interaction.client, CollabsCog)


class AnswerButton(
    PersistentButton, template=r"mutuals:collab:fu:(?P<group>\d+):(?P<answer>yes|not_yet|no)"
):
    """ "Did you collab?" (works after a restart: the custom_id carries everything)."""

    def __init__(self, group_id: int, answer: str) -> None:
        label, style = ANSWER_BUTTONS[answer]
        super().__init__(
            custom_id=f"mutuals:collab:fu:{group_id}:{answer}", label=_(label), style=style
        )
        self.group_id, self.answer = group_id, answer

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> AnswerButton:
        return cls(int(match["group"]), match["answer"])

    async def pressed(self, interaction: discord.Interaction) -> None:
        result = await _cog(interaction).service.answer(
            self.group_id, interaction.user.id, self.answer
        )
        view: discord.ui.View | None = None
        if self.answer == "yes":
            text = _(
                "Love that for you! 💞 Thanks for telling me: it counts for the fam's stats. "
                "Want the collab in the shoutout rotation?"
            )
            view = discord.ui.View(timeout=None)
            view.add_item(NominateButton(self.group_id))
        elif self.answer == "not_yet":
            text = _("No stress, there's time! Pick one of the prompts when you're both free. 🌱")
        else:
            text = _("Thanks for being honest! Next round brings a new match. 💞")
        if not result.changed:
            text = _("Already noted! {text}", text=text)
        await reply(interaction, text, view=view)


class NominateButton(PersistentButton, template=r"mutuals:collab:nom:(?P<group>\d+)"):
    def __init__(self, group_id: int) -> None:
        super().__init__(
            custom_id=f"mutuals:collab:nom:{group_id}",
            label=_("Nominate our collab for a shoutout"),
            emoji="✨",
        )
        self.group_id = group_id

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> NominateButton:
        return cls(int(match["group"]))

    async def pressed(self, interaction: discord.Interaction) -> None:
        group = await _cog(interaction).service.group(self.group_id)
        if group is None or interaction.user.id not in group.members:
            raise DomainError(_("This button is for the collab partners only. 💞"))
        await interaction.response.send_modal(NominateModal(group))


class NominateModal(MutualsModal):
    def __init__(self, group: GroupInfo) -> None:
        super().__init__(
            title=_("Nominate your collab"), custom_id=f"mutuals:collab:nomm:{group.id}"
        )
        self.group = group
        self.url: discord.ui.TextInput[NominateModal] = discord.ui.TextInput(
            label=_("Link to the collab TikTok (optional)"),
            placeholder="https://www.tiktok.com/@you/video/…",
            required=False,
            max_length=300,
        )
        self.blurb: discord.ui.TextInput[NominateModal] = discord.ui.TextInput(
            label=_("One line for the shoutout"),
            placeholder=_("Our PlantTok × BookTok duet: plants that match your TBR 🌿📚"),
            max_length=150,
        )
        self.add_item(self.url)
        self.add_item(self.blurb)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        nomination = await _cog(interaction).nominate(
            self.group.guild_id,
            interaction.user.id,
            url=self.url.value or None,
            blurb=self.blurb.value,
        )
        where = (
            _("You're in the **{rotation}** rotation.", rotation=nomination)
            if nomination
            else _("A moderator will pick it up for the next shoutouts.")
        )
        await reply(interaction, _("Nominated! ✨ Your collab is up for a shoutout.") + " " + where)
