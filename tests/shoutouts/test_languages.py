"""Shoutouts in every language: a Japanese creator in a Korean-language server reads her own
replies in Japanese while the spotlight and the moderators' notices speak Korean, and every
message shoutouts build fits Discord in every language with the longest values."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import discord
import pytest

from cogs.shoutouts.render import (
    created_embed,
    history_embed,
    queue_embed,
    render_feature,
    rotation_summary,
    rotations_embed,
    saved_embed,
    status_embed,
)
from core.clock import ManualClock
from core.i18n import LANGUAGES, _, use_locale
from core.outbox import OutboundMessage
from fakediscord import FakeDiscord, limits
from services.languages import choose_server_language
from services.shoutouts import Feature, Membership, Pitch, QueueEntry, RotationInfo
from services.shoutouts.features import VOICE_LINES
from services.shoutouts.inputs import MAX_BLURB, MAX_CONTENT_WARNING, MAX_NAME
from tests.conftest import ALICE_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.shoutouts.support import START, give_profile, posts, setup_rotation
from tests.shoutouts.test_run_now import run_now

NAME = "R" * MAX_NAME
ROTATION = RotationInfo(
    id=1,
    guild_id=1,
    name=NAME,
    channel_id=10**19,
    schedule="weekly mon,tue,wed,thu,fri,sat,sun 18:00",
    timezone="America/Argentina/ComodRivadavia",
    paused=True,
    pause_reason="x" * 200,
    created_by=2,
    exclude_role_ids=tuple(10**19 + i for i in range(10)),
    min_days_between=365,
    ping_featured=True,
    ping_role_id=10**19,
    required_fields=("niches", "intro", "followers", "timezone"),
    current_round=10**6,
    schedule_anchor=START,
    active_from=START,
)


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


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_shoutouts_message_fits_discord_in_every_language(language: str) -> None:
    running = replace(ROTATION, paused=False)
    with use_locale(language):
        for rot in (ROTATION, running):
            assert _problems(embeds=[created_embed(rot, START)]) == []
            assert _problems(embeds=[saved_embed(rot, START)]) == []
        summaries = [rotation_summary(ROTATION, START, 10**6) for _ in range(10)]
        assert _problems(embeds=[rotations_embed(summaries)]) == []
        entries = [QueueEntry(10**19 + i, 10**6 + 1) for i in range(10)]
        assert _problems(embeds=[queue_embed(ROTATION, entries)]) == []
        features = [
            Feature(1, 1, "k", START, status, 10**19, 10**6, None, None, "d" * 200)
            for status in ("featured", "missed", "failed", "empty")
            for _ in range(4)
        ]
        assert _problems(embeds=[history_embed(ROTATION, features[:15])]) == []
        reasons = ("opted_out", "left", "excluded", "profile", "removed", None)
        memberships = [
            Membership(1, NAME, 2, reason is None, reason, 10**6, 10**6, 10**6, 10**6, START)
            for reason in reasons
        ] * 2
        pitch = Pitch(
            1,
            2,
            "https://www.tiktok.com/@" + "h" * 24 + "/video/" + "1" * 250,
            "b" * MAX_BLURB,
            None,
            START,
            1,
            NAME,
            "c" * MAX_CONTENT_WARNING,
        )
        for shown in (pitch, None):
            assert _problems(embeds=[status_embed(memberships, shown)]) == []
        for line in VOICE_LINES:
            spec = await render_feature(
                OutboundMessage(
                    id=1,
                    kind="channel",
                    target_id=3,
                    guild_id=1,
                    purpose="shoutouts_feature",
                    payload={
                        "user_id": 10**19,
                        "handle": "h" * 24,
                        "blurb": "b" * MAX_BLURB,
                        "content_warning": "c" * MAX_CONTENT_WARNING,
                        "url": pitch.url,
                        "line": line,
                        "niches": ["n" * 40] * 3,
                        "rotation": NAME,
                        "round": 10**6,
                        "ping_user": False,
                        "ping_role_id": 10**19,
                    },
                    attempts=0,
                )
            )
            assert _problems(spec.content, spec.embeds, spec.view) == []


async def test_a_japanese_creator_in_a_korean_server(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await choose_server_language(bot.db, GUILD_ID, "ko")
    fake.users[ALICE_ID].locale = "ja"
    await setup_rotation(fake, bot)
    await give_profile(bot, ALICE_ID, "plantladyjane")

    joined = await fake.slash(GUILD_ID, ALICE_ID, "shoutout join")
    await joined.response()
    assert joined.ephemeral and (joined.content or "").startswith(
        "相互さん、ようこそ！**Spotlight** に参加したよ 🎉 順番は #1。"
    )
    again = await fake.slash(GUILD_ID, ALICE_ID, "shoutout join")
    await again.response()
    assert (
        again.content
        == "もう **Spotlight** に参加してるよ！順番は `/shoutout status` で確認してね。"
    )
    pitched = await fake.slash(
        GUILD_ID,
        ALICE_ID,
        "shoutout pitch",
        {"url": "https://www.tiktok.com/@plantladyjane/video/1", "blurb": "モンステラの植え替え"},
    )
    await pitched.response()
    assert (pitched.content or "").startswith("アピールを保存したよ！")
    status = await fake.slash(GUILD_ID, ALICE_ID, "shoutout status")
    await status.response()
    assert status.embeds[0]["title"] == "あなたの紹介"
    assert "次はあなた！🎉" in status.embeds[0]["description"]

    assert (await run_now(fake)).startswith("📣 Posted!")  # the moderator's client is English
    (post,) = posts(fake)
    assert post["content"] == "맞팔 친구들 안녕! 💞 오늘의 스포트라이트는 <@" + str(ALICE_ID) + ">"
    embed = post["embeds"][0]
    assert embed["title"] == "✨ 스포트라이트: @plantladyjane"
    assert "라운드 1" in embed["footer"]["text"]
    with use_locale("ko"):
        assert any(_(line) in embed["description"] for line in VOICE_LINES)
    labels = [c.get("label") for row in post["components"] for c in row["components"]]
    assert "틱톡에서 @plantladyjane 보기" in labels

    # the channel is lost: the moderators' notice (a DM to the creator of the rotation) is Korean
    clock.advance(seconds=1)
    fake.fail_next("POST", rf"/channels/{GENERAL_ID}/messages$", 403)
    await run_now(fake)
    notice = await fake.wait_for(
        lambda: [m for m in fake.dms(MOD_ID) if "일시정지" in (m.get("content") or "")],
        message="the pause notice",
    )
    assert notice[0]["content"].startswith(
        "⏸️ 샤라웃 로테이션 **Spotlight**가 스스로 일시정지했어: "
    )
    assert f"<#{GENERAL_ID}>에 더 이상 글을 올릴 수 없어 (권한 부족)" in notice[0]["content"]
