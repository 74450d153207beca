"""The welcome in every language: the shipped copy is complete and keeps its placeholders, and
every message the welcome builds stays within Discord's limits in each language, with the
longest values members and moderators can give it."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from cogs.welcome.render import WelcomeOutbox, intro_message, rules_embed
from cogs.welcome.views import ProfileModal, RulesModal, flow_message, start_view
from core.clock import ManualClock
from core.errors import ContentError
from core.i18n import LANGUAGES, use_locale
from core.outbox import OutboundMessage
from fakediscord import FakeDiscord, limits
from services.languages import choose_server_language
from services.niches import Niche
from services.welcome import OnboardingState, WelcomeSettings, copy_text, default_rules
from services.welcome.inputs import INTRO_LEN, MAX_RULES, RULE_LEN, render_template
from services.welcome.wording import COPY_PATH, _check, copy_path, load_copy
from tests.conftest import BOB_ID, GUILD_ID, BotFactory
from tests.welcome.test_flow import DONE, MODAL, NEWBIE, PICK, PROF, setup_guild

LONG_SERVER = "S" * 100  # Discord's longest server name
LONG_NAME = "N" * 32  # longest display name
LONG_HANDLE = "h" * 24


def _state(step: str, *, status: str = "onboarding") -> OnboardingState:
    return OnboardingState(
        guild_id=1,
        user_id=2,
        preview=False,
        status=status,
        step=step,
        niches=tuple("X" * 40 + str(i) for i in range(3)),
        tiktok_handle=LONG_HANDLE,
        intro="i" * INTRO_LEN,
        display_name=LONG_NAME,
        member_number=999_999_999,
        dm_state="closed",
        public_state="none",
    )


def _settings() -> WelcomeSettings:
    return WelcomeSettings(
        guild_id=1,
        channel_id=3,
        template=copy_text("default_template"),
        custom_template=False,
        dm_enabled=True,
        autorole_id=None,
        rules=tuple("r" * RULE_LEN for _ in range(MAX_RULES)),
        custom_rules=True,
        leave_window_minutes=30,
        raid_joins=8,
        raid_window_seconds=30,
    )


NICHES = [Niche("n" * 40 + str(i), "🪴", "d" * 100, None) for i in range(25)]


def _problems(
    content: str | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.View | None = None,
) -> list[limits.Problem]:
    data: dict[str, Any] = {
        "content": content,
        "embeds": [e.to_dict() for e in embeds or []],
        "components": view.to_components() if view is not None else None,
    }
    return limits.check_message(data)


def test_every_language_ships_the_whole_copy_with_its_placeholders() -> None:
    english = load_copy("en")
    for language in LANGUAGES:
        assert copy_path(language).exists()
        assert set(load_copy(language)) == set(english)
    with use_locale("ko"):
        assert copy_text("batch_title") == load_copy("ko")["batch_title"]
        assert default_rules()[0] == load_copy("ko")["default_rules"][0]


def test_a_translation_that_drops_a_placeholder_or_a_key_is_refused() -> None:
    english = load_copy("en")
    broken = dict(english, done="¡Ya estás dentro!")  # {server} lost
    with pytest.raises(ContentError, match="done"):
        _check(COPY_PATH, broken, english)
    missing = {k: v for k, v in english.items() if k != "dm_greeting"}
    with pytest.raises(ContentError, match="dm_greeting"):
        _check(COPY_PATH, missing, english)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_welcome_message_fits_discord_in_every_language(language: str) -> None:
    with use_locale(language):
        for step in ("niches", "profile", "norms"):
            for mode in ("d", "s", "p"):
                embed, view = flow_message(
                    server=LONG_SERVER,
                    state=_state(step),
                    settings=_settings(),
                    niches=NICHES,
                    mode=mode,
                    ask_age=True,
                )
                assert _problems(embeds=[embed], view=view) == [], (step, mode)
        done, _view = flow_message(
            server=LONG_SERVER,
            state=_state("norms", status="completed"),
            settings=_settings(),
            niches=NICHES,
            mode="d",
        )
        assert _problems(embeds=[done]) == []

        content, intro, _mentions = intro_message(
            2, LONG_NAME, _state("norms").niches, LONG_HANDLE, "i" * INTRO_LEN, [7, 8, 9]
        )
        assert _problems(content=content, embeds=[intro]) == []
        assert _problems(embeds=[rules_embed(_settings(), "Norms saved 💞")]) == []

        public = render_template(
            copy_text("default_template"),
            member="<@" + "9" * 20 + ">",
            server=LONG_SERVER,
            count="999,999,999",
            niche="N" * 40,
        )
        note = copy_text("dms_closed_note")
        assert _problems(content=public + "\n" + note, view=start_view(1)) == []

        batch = OutboundMessage(
            id=1,
            kind="channel",
            target_id=3,
            guild_id=1,
            purpose="welcome_batch",
            payload={
                "guild_id": 1,
                "guild_name": LONG_SERVER,
                "user_ids": [10**19 + i for i in range(150)],
                "part": 3,
                "parts": 9,
                "total": 1234,
            },
            attempts=0,
        )
        outbox = WelcomeOutbox(None, None)  # type: ignore[arg-type]  # the batch needs neither
        spec = await outbox.render_batch(batch)
        assert _problems(embeds=spec.embeds, view=spec.view) == []

        profile = ProfileModal(None, 1, "d", _state("profile"), ask_age=True)  # type: ignore[arg-type]
        assert limits.check_modal(profile.to_dict()) == []
        norms = RulesModal(None, _settings().rules)  # type: ignore[arg-type]
        assert limits.check_modal(norms.to_dict()) == []


# ------------------------------------------------------------ a Japanese member, a Korean server


def _ja(key: str, **values: object) -> str:
    with use_locale("ja"):
        return copy_text(key, **values)


def _ko(key: str, **values: object) -> str:
    with use_locale("ko"):
        return copy_text(key, **values)


def _labels(msg: dict[str, Any]) -> list[str]:
    return [
        str(c.get("label"))
        for row in msg.get("components") or []
        for c in row.get("components") or []
        if c.get("label")
    ]


async def test_a_japanese_newcomer_in_a_korean_server(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    """Her own steps and errors speak Japanese (her Discord client's language); everything
    posted in the server, and the DM sent before she ever clicked, speaks Korean."""
    bot = await bot_factory(clock=clock)
    ids = await setup_guild(fake, bot)
    await choose_server_language(bot.db, GUILD_ID, "ko")

    fake.add_user(NEWBIE, "hana_cozy").locale = "ja"
    fake.add_member(GUILD_ID, NEWBIE, "hana_cozy")
    dms = await fake.wait_for(lambda: fake.dms(NEWBIE), message="welcome DM")
    assert _ko("step_niches") in dms[0]["embeds"][0]["description"]  # sent unasked
    public = await fake.wait_for(lambda: fake.messages(ids["welcome"]), message="public welcome")
    assert public[0]["content"].startswith("안녕, 맞팔 친구! 💞")
    assert _labels(public[0]) == ["시작하기"]

    pick = await fake.click(NEWBIE, PICK, values=["CozyGamerTok"])
    assert (await pick.response())["type"] == 7
    step2 = fake.dms(NEWBIE)[0]
    assert step2["embeds"][0]["description"].startswith(_ja("step_profile"))
    assert step2["embeds"][0]["fields"][0]["name"] == "あなたのジャンル"
    assert "TikTokと自己紹介を追加" in _labels(step2)

    opened = await fake.click(NEWBIE, PROF)
    modal = await opened.response()
    assert modal["type"] == 9 and modal["data"]["title"] == "TikTokと一言自己紹介"
    sub = await fake.submit_modal(NEWBIE, MODAL, {"handle": "@hana.cozy", "intro": "癒しゲーム"})
    assert (await sub.response())["type"] == 7
    norms = fake.dms(NEWBIE)[0]["embeds"][0]["description"]
    assert norms.startswith(_ja("step_norms")) and load_copy("ja")["default_rules"][0] in norms

    done = await fake.click(NEWBIE, DONE)
    assert (await done.response())["type"] == 6
    await fake.wait_for(
        lambda: fake.dms(NEWBIE)[0]["embeds"][0]["description"].startswith("参加完了！🎉"),
        message="finished, in Japanese",
    )
    intro = await fake.wait_for(
        lambda: [m for m in fake.messages(ids["welcome"]) if "새로 온" in m["content"]],
        message="introduction posted in Korean",
    )
    assert f"다들 <@{NEWBIE}>한테 인사해줘" in intro[0]["content"]
    assert _ko("intro_invite", invitees=f"<@{BOB_ID}>", niche="CozyGamerTok") in intro[0]["content"]
    assert intro[0]["embeds"][0]["title"] == "hana\\_cozy 소개할게"  # name escaped as markdown

    again = await fake.click(NEWBIE, f"mutuals:wel:start:{GUILD_ID}:s")
    await again.response()
    assert again.ephemeral and again.content == _ja("already_done")
