"""The onboarding flow's messages and persistent components.

Every button and menu is a ``DynamicItem`` whose custom_id carries the guild and the mode
(``d`` in DMs, ``s`` inside the server, ``p`` a moderator's preview), so a message sent last
week still works after a restart: the state lives in the database, not in the view.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord.utils import escape_markdown

from cogs._common import BRAND
from core.components import PersistentButton, cog_of
from core.i18n import _
from core.interactions import MutualsModal, guarded
from core.text import truncate
from services.container import Services
from services.niches import Niche
from services.safety import AGE_ANSWERS
from services.welcome import OnboardingState, WelcomeSettings, copy_text

if TYPE_CHECKING:
    from cogs.welcome.cog import WelcomeCog
    from cogs.welcome.moderators import WelcomeModerationCog
    from core.bot import MutualsBot

MODES = {"d": "dm", "s": "server", "p": "preview"}
BUTTON_ACTIONS = ("start", "niches", "prof", "norms", "done")


def _welcome_cog(interaction: discord.Interaction) -> WelcomeCog:
    # Imported here, not at the top: the cog module imports this one for its components.
    from cogs.welcome.cog import WelcomeCog

    return cog_of(interaction.client, WelcomeCog)


class FlowButton(
    PersistentButton,
    template=r"mutuals:wel:(?P<act>start|niches|prof|norms|done):(?P<g>\d+):(?P<m>[dsp])",
):
    def __init__(
        self,
        action: str,
        guild_id: int,
        mode: str,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
        emoji: str | None = None,
    ) -> None:
        super().__init__(
            custom_id=f"mutuals:wel:{action}:{guild_id}:{mode}",
            label=label or _("Continue"),
            emoji=emoji,
            style=style,
        )
        self.action, self.guild_id, self.mode = action, guild_id, mode

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> FlowButton:
        return cls(match["act"], int(match["g"]), match["m"], label=label)

    async def pressed(self, interaction: discord.Interaction) -> None:
        cog = _welcome_cog(interaction)
        await cog.on_flow_button(interaction, self.action, self.guild_id, self.mode)


class NichePicker(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"mutuals:wel:pick:(?P<g>\d+):(?P<m>[dsp])",
):
    def __init__(
        self,
        guild_id: int,
        mode: str,
        options: list[discord.SelectOption] | None = None,
    ) -> None:
        opts = options or [discord.SelectOption(label="…", value="…")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"mutuals:wel:pick:{guild_id}:{mode}",
                placeholder=_("Pick your niche (up to 3)"),
                min_values=1,
                max_values=min(3, len(opts)),
                options=opts,
            )
        )
        self.guild_id, self.mode = guild_id, mode

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> NichePicker:
        options = list(item.options) if isinstance(item, discord.ui.Select) else None
        return cls(int(match["g"]), match["m"], options)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        data: Any = interaction.data or {}
        values = [str(v) for v in data.get("values", [])]
        cog = _welcome_cog(interaction)
        await cog.on_niches_picked(interaction, self.guild_id, self.mode, values)


class ProfileModal(MutualsModal):
    """TikTok handle and a one-line intro, and (once, while the server keeps age groups apart)
    the member's age group. Bad input is refused and the button stays to retry."""

    def __init__(
        self,
        cog: WelcomeCog,
        guild_id: int,
        mode: str,
        state: OnboardingState,
        *,
        ask_age: bool = False,
    ) -> None:
        super().__init__(
            title=_("Your TikTok + a one-line intro"),
            custom_id=f"mutuals:wel:modal:{guild_id}:{mode}",
            timeout=900,
        )
        self.cog, self.guild_id, self.mode = cog, guild_id, mode
        self.handle: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=_("TikTok handle"),
            custom_id="handle",
            placeholder="@plantladyjane",
            default=f"@{state.tiktok_handle}" if state.tiktok_handle else None,
            min_length=2,
            max_length=40,
        )
        self.intro: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=_("One-line intro (optional)"),
            custom_id="intro",
            placeholder=_("Tiny jungle energy: plant care in 30 seconds 🪴"),
            default=state.intro,
            required=False,
            max_length=200,
        )
        self.add_item(self.handle)
        self.add_item(self.intro)
        self.age: discord.ui.Select[ProfileModal] | None = None
        if ask_age:
            self.age = discord.ui.Select(
                custom_id="age",
                placeholder=copy_text("age_placeholder"),
                options=[
                    discord.SelectOption(label=label, value=key)
                    for key, label in AGE_ANSWERS.items()
                ],
                min_values=1,
                max_values=1,
                required=True,
            )
            self.add_item(
                discord.ui.Label(
                    text=copy_text("age_label"),
                    description=copy_text("age_description"),
                    component=self.age,
                )
            )

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        age = self.age.values[0] if self.age is not None and self.age.values else None
        await self.cog.on_profile_submitted(
            interaction, self.guild_id, self.mode, self.handle.value, self.intro.value, age
        )


class RulesModal(MutualsModal):
    """A moderator edits the house norms, one per line."""

    def __init__(self, cog: WelcomeModerationCog, rules: tuple[str, ...]) -> None:
        super().__init__(
            title=_("House norms for newcomers"), custom_id="mutuals:wel:rules", timeout=900
        )
        self.cog = cog
        self.text: discord.ui.TextInput[RulesModal] = discord.ui.TextInput(
            label=_("One norm per line (up to 10)"),
            custom_id="rules",
            style=discord.TextStyle.paragraph,
            default="\n".join(rules)[:4000],
            max_length=4000,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        await self.cog.on_rules_submitted(interaction, self.text.value)


def _niche_options(niches: list[Niche], chosen: tuple[str, ...]) -> list[discord.SelectOption]:
    picked = {n.casefold() for n in chosen}
    options = []
    for niche in niches[:25]:
        options.append(
            discord.SelectOption(
                label=niche.name[:100],
                value=niche.name[:100],
                description=truncate(niche.description, 100) if niche.description else None,
                emoji=niche.emoji or None,
                default=niche.name.casefold() in picked,
            )
        )
    return options


def flow_message(
    *,
    server: str,
    state: OnboardingState,
    settings: WelcomeSettings,
    niches: list[Niche],
    mode: str,
    ask_age: bool = False,
) -> tuple[discord.Embed, discord.ui.View | None]:
    """The embed and components for the step the member is on (``ask_age``: step 2's form
    asks their age group, and the step says why)."""
    guild_id = state.guild_id
    server_md = escape_markdown(server)
    title = (
        _("Welcome preview (only you can see this)")
        if mode == "p"
        else _("Welcome to {server}", server=server)
    )
    embed = discord.Embed(title=truncate(title, 256), color=BRAND)
    view = discord.ui.View(timeout=None)
    if state.completed:
        embed.description = copy_text("done", server=server_md)
        return embed, None
    chosen = ", ".join(state.niches) or "—"
    if state.step == "niches":
        embed.description = (
            copy_text("dm_greeting", server=server_md) + "\n\n" + copy_text("step_niches")
        )
        options = _niche_options(niches, state.niches)
        if not options:
            embed.description += "\n\n" + _(
                "This server has no niches set up yet, so ask a moderator to add some "
                "with `/welcome niche add`."
            )
            return embed, None
        view.add_item(NichePicker(guild_id, mode, options))
    elif state.step == "profile":
        embed.description = copy_text("step_profile")
        if ask_age:
            embed.description += "\n\n" + copy_text("step_profile_age")
        embed.add_field(name=_("Your niche"), value=truncate(chosen, 1024))
        view.add_item(
            FlowButton("prof", guild_id, mode, label=_("Add my TikTok + intro"), emoji="📱")
        )
        view.add_item(
            FlowButton(
                "niches",
                guild_id,
                mode,
                label=_("Change my niche"),
                style=discord.ButtonStyle.secondary,
            )
        )
    else:  # norms
        rules = "\n".join(f"**{i}.** {rule}" for i, rule in enumerate(settings.rules, start=1))
        embed.description = truncate(copy_text("step_norms") + "\n" + rules, 4096)
        embed.add_field(name=_("Your niche"), value=truncate(chosen, 1024))
        embed.add_field(
            name="TikTok", value=f"@{state.tiktok_handle}" if state.tiktok_handle else "—"
        )
        view.add_item(
            FlowButton(
                "done",
                guild_id,
                mode,
                label=_("I'll respect the niche"),
                style=discord.ButtonStyle.success,
                emoji="💞",
            )
        )
        view.add_item(
            FlowButton(
                "prof",
                guild_id,
                mode,
                label=_("Edit handle/intro"),
                style=discord.ButtonStyle.secondary,
            )
        )
        view.add_item(
            FlowButton(
                "niches",
                guild_id,
                mode,
                label=_("Change my niche"),
                style=discord.ButtonStyle.secondary,
            )
        )
    embed.set_footer(text=_("Each step saves as you go, and you can redo any of them."))
    return embed, view


def start_view(guild_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(
        FlowButton(
            "start",
            guild_id,
            "s",
            label=_("Start onboarding"),
            style=discord.ButtonStyle.success,
            emoji="✨",
        )
    )
    return view


async def server_name(bot: MutualsBot, guild_id: int, told: object = None) -> str:
    """The server's name: as a queued message carries it (``told``, from its payload); else as
    stored from the gateway, which any process can read (a DM button is answered by shard 0's
    process, which may not hold the guild); else this process's cache."""
    if isinstance(told, str) and told:
        return told
    stored = await bot.need(Services).directory.guild_name(guild_id)
    if stored:
        return stored
    guild = bot.get_guild(guild_id)
    return guild.name if guild is not None else _("the server")


async def flow_for(
    bot: MutualsBot, state: OnboardingState, mode: str, *, server: object = None
) -> tuple[discord.Embed, discord.ui.View | None]:
    """The flow message for the member's current step, with this server's norms and niches
    (``server``: the name a queued DM carries)."""
    services = bot.need(Services)
    settings = await services.welcome.settings(state.guild_id)
    niches = await services.niches.list_niches(state.guild_id)
    ask_age = state.step == "profile" and await services.welcome.asks_age(
        state.guild_id, state.user_id, preview=state.preview
    )
    return flow_message(
        server=await server_name(bot, state.guild_id, server),
        state=state,
        settings=settings,
        niches=niches,
        mode=mode,
        ask_age=ask_age,
    )
