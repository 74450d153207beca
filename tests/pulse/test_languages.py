"""The pulse in every language: a Japanese moderator's /pulse show reads Japanese, and the embed,
its image description and the page's alt texts stay within Discord's limits in every language,
with the longest names and wins there can be."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cogs.pulse.render import pulse_embed
from core.bot import AnyBot
from core.clock import ManualClock
from core.db import Database
from core.i18n import LANGUAGES, use_locale
from fakediscord import FakeDiscord
from services import languages
from services.pulse import PulseService
from services.pulse.values import RotationWeek, StreakRow, Waiting, Win
from services.pulse.words import charts_of
from tests.conftest import GUILD_ID, MOD_ID
from tests.discord_limits import check_embed
from tests.pulse.seed import NOW, seed_week
from tests.pulse.test_command import answered

LONG = "ｗ" * 32  # a display name at Discord's 32


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_embed_fits_discord_in_every_language(
    db: Database, clock: ManualClock, language: str
) -> None:
    clock.set(NOW)
    await seed_week(db)
    p = await PulseService(db, clock).week(GUILD_ID)
    rotations = tuple(RotationWeek(n, LONG, 9999, 9999, 9999, 9999, 9999, False) for n in range(25))
    p = replace(
        p,
        guild_name="ｇ" * 100,
        wins=tuple(Win("checkin", n, LONG, "🎉" * 1000) for n in range(20)),
        shoutouts=replace(
            p.shoutouts,
            rotations=rotations,
            waiting=(Waiting(1, LONG, LONG, NOW, 0),),
        ),
        quizzes=replace(p.quizzes, streaks=(StreakRow(1, LONG, 9999, 9999),)),
    )
    with use_locale(language):
        check_embed(pulse_embed(p))
        assert all(len(c.alt) <= 2000 for c in charts_of(p))


async def test_a_japanese_moderator_in_a_korean_server_reads_japanese(
    fake: FakeDiscord, bot: AnyBot, db: Database
) -> None:
    await seed_week(db, guild_name=False)
    await languages.choose_server_language(db, GUILD_ID, "ko")
    h = await answered(
        await fake.slash(GUILD_ID, MOD_ID, "pulse show", {"week": "2026-W02"}, locale="ja")
    )
    assert h.ephemeral  # only they see it: their language, not the server's
    (embed,) = h.embeds
    assert embed["title"].startswith("💓 パルス · 2026年1月5日")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["👋 オンボーディング"].startswith("新メンバー5人中 **2** 人が完了（40%）")
    bad = await answered(
        await fake.slash(GUILD_ID, MOD_ID, "pulse show", {"week": "someday"}, locale="ja")
    )
    assert "知らない週だよ" in (bad.content or "")
