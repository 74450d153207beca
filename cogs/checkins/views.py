"""Check-in components: the persistent "Check in" button on every prompt, the moderators' nominate
select on the recap (both still work after a restart), the answer form and the questions editor."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import discord

from core.components import PersistentButton, cog_of
from core.errors import DomainError
from core.i18n import _
from core.interactions import MutualsModal, MutualsView, guarded, reply
from core.text import truncate
from services.checkins import (
    BLOCKER,
    MAX_QUESTIONS,
    QUESTION_MAX,
    TEXT,
    WIN,
    AnswerForm,
    CheckinSettings,
    Summary,
)

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinCog


def _cog(interaction: discord.Interaction) -> CheckinCog:
    # Imported here, not at the top: the cog module imports this one for its views.
    from cogs.checkins.cog import CheckinCog

    return cog_of(interaction.client, CheckinCog)


class OpenCheckinButton(PersistentButton, template=r"mutuals:ci:open:(?P<gid>\d+)"):
    """On every prompt (DM or channel): opens this period's form for whoever clicks it."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(custom_id=f"mutuals:ci:open:{guild_id}", label=_("Check in"), emoji="💞")
        self.guild_id = guild_id

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> OpenCheckinButton:
        return cls(int(match["gid"]))

    async def pressed(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).open_form(interaction, self.guild_id)


class NominateSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"mutuals:ci:nom:(?P<gid>\d+):(?P<label>\d{8})",
):
    """On the recap: a moderator picks one member's best TikTok for the shoutout rotation."""

    def __init__(self, guild_id: int, label: date, options: list[discord.SelectOption]) -> None:
        super().__init__(
            discord.ui.Select(
                placeholder=_("Mods: nominate a best TikTok for shoutouts"),
                options=options or [discord.SelectOption(label=_("nobody"), value="0")],
                custom_id=f"mutuals:ci:nom:{guild_id}:{label.strftime('%Y%m%d')}",
            )
        )
        self.guild_id = guild_id
        self.label = label

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> NominateSelect:
        label = datetime.strptime(match["label"], "%Y%m%d").date()
        return cls(int(match["gid"]), label, [])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = [str(v) for v in data.get("values") or []]
        if not values or not values[0].isdigit():
            raise DomainError(_("Pick a creator from the list."))
        await _cog(interaction).nominate(interaction, self.guild_id, self.label, int(values[0]))


def open_view(guild_id: int) -> MutualsView:
    view = MutualsView(timeout=None)
    view.add_item(OpenCheckinButton(guild_id))
    return view


def nominate_view(summary: Summary, names: list[str]) -> MutualsView:
    """The recap's select: one option per shared TikTok (``names`` in the same order)."""
    options = [
        discord.SelectOption(
            label=truncate(_("{name}'s best TikTok", name=name), 100),
            value=str(uid),
            description=truncate(link, 100),
            emoji="🎬",
        )
        for (uid, link), name in zip(summary.links, names, strict=True)
    ]
    view = MutualsView(timeout=None)
    view.add_item(NominateSelect(summary.guild_id, summary.label, options))
    return view


class CheckinModal(MutualsModal):
    """The answers form. ``mood``: what the mood buttons gave (None: skipped, or not asked); a
    question about the mood is not shown then, the buttons asked it."""

    def __init__(
        self, cog: CheckinCog, form: AnswerForm, title: str, mood: int | None = None
    ) -> None:
        super().__init__(title=title, custom_id=f"mutuals:ci:modal:{form.guild_id}", timeout=900)
        self.cog = cog
        self.form = form
        self.mood = mood
        self.asked: list[str] = []
        self.inputs: list[discord.ui.TextInput[CheckinModal]] = []
        for i, question in form.shown()[:MAX_QUESTIONS]:
            existing = form.existing[i] if form.existing and i < len(form.existing) else None
            long = question.kind in (TEXT, WIN, BLOCKER)
            field: discord.ui.TextInput[CheckinModal] = discord.ui.TextInput(
                label=truncate(question.shown, QUESTION_MAX),
                custom_id=f"q{i}",
                style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
                placeholder=truncate(question.placeholder, 100),
                required=False,
                max_length=question.max_length,
                default=existing or None,
            )
            self.asked.append(question.text)
            self.inputs.append(field)
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        await self.cog.save_answers(
            interaction, self.form, [i.value for i in self.inputs], self.asked, self.mood
        )


class EditAnswersView(MutualsView):
    """Under a refused check-in: reopens the form with the answers as the member typed them."""

    def __init__(
        self, cog: CheckinCog, form: AnswerForm, title: str, mood: int | None = None
    ) -> None:
        super().__init__(timeout=900)
        self.cog, self.form, self.title, self.mood = cog, form, title, mood
        self.edit.label = _("Edit my answers")

    @discord.ui.button(label="Edit my answers", emoji="✏️", style=discord.ButtonStyle.primary)
    async def edit(
        self, interaction: discord.Interaction, _button: discord.ui.Button[EditAnswersView]
    ) -> None:
        await interaction.response.send_modal(
            CheckinModal(self.cog, self.form, self.title, self.mood)
        )


class QuestionsModal(MutualsModal):
    def __init__(self, cog: CheckinCog, settings: CheckinSettings) -> None:
        super().__init__(
            title=truncate(_("Check-in questions"), 45),
            custom_id="mutuals:ci:questions",
            timeout=900,
        )
        self.cog = cog
        self.guild_id = settings.guild_id
        self.inputs: list[discord.ui.TextInput[QuestionsModal]] = []
        for i in range(MAX_QUESTIONS):
            current = settings.questions[i].text if i < len(settings.questions) else None
            field: discord.ui.TextInput[QuestionsModal] = discord.ui.TextInput(
                label=truncate(
                    _("Question {number} (empty = remove)", number=i + 1)
                    if i
                    else _("Question {number}", number=i + 1),
                    45,
                ),
                custom_id=f"q{i}",
                required=i == 0,
                max_length=QUESTION_MAX,
                default=current,
                placeholder=truncate(
                    _("e.g. {question}", question=_("One win (big or small!)")), 100
                ),
            )
            self.inputs.append(field)
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        settings = await self.cog.service.set_questions(
            self.guild_id, [i.value for i in self.inputs]
        )
        lines = "\n".join(f"{n}. {q.shown}" for n, q in enumerate(settings.questions, start=1))
        await reply(
            interaction,
            _(
                "Saved! Members will be asked:\n{questions}\n"
                "Tip: a question with *mood* in it is asked with the five mood buttons before the "
                "form (one mood per check-in), one with *link* takes a TikTok link.",
                questions=lines,
            ),
        )
