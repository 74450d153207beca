"""Collabs in the fam's languages: a Japanese member in a Korean-language server reads her
replies in Japanese and the round's public posts in Korean (the real bot against the fake
Discord), and everything collabs builds stays within Discord's limits in every language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import discord

from cogs.collabs.render import (
    intro_embed,
    render_followup,
    render_intro,
    settings_embed,
    stats_embed,
    status_embed,
    suggestions_embed,
)
from cogs.collabs.views import AnswerButton, NominateButton, NominateModal
from core.clock import ManualClock
from core.i18n import LANGUAGES, _, use_locale
from core.outbox import CHANNEL, DM, OutboundMessage
from fakediscord import FakeDiscord
from services.collabs import (
    ANSWERS,
    FOLLOWUP_KIND,
    Candidate,
    CollabProfile,
    GroupInfo,
    MemberStatus,
    RoundInfo,
    RoundSettings,
    Stats,
    Suggestion,
    explain,
    prompts_for,
)
from services.collabs.content import ideas_in
from services.collabs.round_text import announcement, left_out_note, thread_title
from services.container import Services
from services.languages import choose_server_language, member_language
from tests.collabs.test_bot import COLLABS_ID, _answer, _profiles, _threads
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, MOD_ID, BotFactory
from tests.discord_limits import check_embed, check_message

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


async def test_japanese_member_in_a_korean_server(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    for uid in (ALICE_ID, BOB_ID, MOD_ID):
        fake.users[uid].locale = "ja"
    clock = ManualClock()
    bot = await bot_factory(clock=clock)
    await choose_server_language(bot.db, GUILD_ID, "ko")
    await _profiles(bot, ALICE_ID, BOB_ID)
    await bot.need(Services).collabs.setup(
        GUILD_ID,
        MOD_ID,
        channel_id=COLLABS_ID,
        frequency="weekly",
        day="wed",
        at="18:00",
        timezone="UTC",
        followup_days=1,
    )

    # her own replies: Japanese (the embed too), errors included
    h = await fake.slash(GUILD_ID, ALICE_ID, "collab optin", {"formats": "duet, stich"})
    assert "もしかして **stitch**？" in await _answer(h) and h.ephemeral
    h = await fake.slash(GUILD_ID, ALICE_ID, "collab optin", {"formats": "duet, stitch"})
    assert (await _answer(h)).startswith("参加完了！💞")
    fields = {f["name"]: f["value"] for f in h.embeds[0]["fields"]}
    assert h.embeds[0]["title"] == "あなたのコラボ設定"
    assert fields["フォーマット"] == "デュエット, スティッチ"
    await (await fake.slash(GUILD_ID, BOB_ID, "collab optin")).response()
    h = await fake.slash(GUILD_ID, ALICE_ID, "collab suggest")
    await h.response()
    assert h.embeds[0]["title"] == "今のあなたにぴったりのコラボ相手"
    assert "二人とも1k–10k" in h.embeds[0]["fields"][0]["value"]

    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    assert (await _answer(h)).startswith("ラウンド完了！**2人** をマッチ：1ペア。")

    # what the server reads: Korean
    [post] = await fake.wait_for(lambda: fake.messages(COLLABS_ID))
    assert post["content"].startswith("💞 새 콜라보 라운드!")
    [thread] = await fake.wait_for(lambda: _threads(fake))
    assert thread.name.startswith("💞 콜라보: ")
    [intro] = await fake.wait_for(lambda: fake.messages(thread.id))
    assert intro["content"].startswith("안녕 맞팔들!")
    embed = intro["embeds"][0]
    assert embed["title"] == "매칭된 이유"
    assert "(비슷한 니치), 둘 다 1k–10k" in embed["description"]
    ideas = ideas_in("ko")
    korean_ideas = {*ideas.generic, *(i for v in ideas.by_family.values() for i in v)}
    shown = embed["fields"][0]["value"].splitlines()
    assert shown and all(line.split(". ", 1)[1] in korean_ideas for line in shown)
    assert embed["footer"]["text"] == "1일 뒤에 체크하러 올게: 콜라보 했어? 🎬"

    clock.advance(days=1)
    await bot.deliveries.run(FOLLOWUP_KIND)
    msgs = await fake.wait_for(
        lambda: len(fake.messages(thread.id)) == 2 and fake.messages(thread.id)
    )
    followup = msgs[1]
    assert "체크인 시간이야: 콜라보 했어? 🎬" in followup["content"]
    labels = [c["label"] for row in followup["components"] for c in row["components"]]
    assert labels[:3] == ["응, 콜라보 했어! 💞", "아직", "아니"]

    # a click on the Korean post answers her in Japanese
    yes = await fake.click(ALICE_ID, followup["components"][0]["components"][0]["custom_id"])
    assert (await _answer(yes)).startswith("最高じゃん！💞")


async def test_dm_intro_speaks_the_members_language(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    """Without a collab channel the intro goes by DM, in each member's language (what
    ``member_language`` says: their last known locale, else the server's)."""
    fake.users[ALICE_ID].locale = "ja"
    bot = await bot_factory(clock=ManualClock())
    await choose_server_language(bot.db, GUILD_ID, "ko")
    await _profiles(bot, ALICE_ID, BOB_ID)
    svc = bot.need(Services).collabs
    await svc.setup(
        GUILD_ID, MOD_ID, channel_id=COLLABS_ID, frequency="weekly", day="mon", at="18:00",
        timezone="UTC",
    )  # fmt: skip
    for uid in (ALICE_ID, BOB_ID):
        await (await fake.slash(GUILD_ID, uid, "collab optin")).response()
    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    await _answer(h)
    dm = (await fake.wait_for(lambda: fake.dms(ALICE_ID)))[0]
    with use_locale(await member_language(bot.db, GUILD_ID, ALICE_ID)):
        hello = _("Hey mutual! 💞 Your collab match in **{server}** this round: {others}. I "
                  "couldn't open a private thread{where}, so say hi by DM and plan something "
                  "fun together!", server="X", others="Y", where="Z").split("X")[0]  # fmt: skip
        title = _("Why you were matched")
    assert dm["content"].startswith(hello) and dm["embeds"][0]["title"] == title


# ---------------------------------------------------------------------- Discord's limits

LONG_NAME = "ｗ" * 32  # display names are up to 32 characters
LONG_GUILD = "Ｇ" * 100


def _candidate(uid: int) -> Candidate:
    return Candidate(
        uid,
        ("BookTok", "PlantTok"),
        ("stories", "home"),
        band=1,
        formats=frozenset({"duet", "stitch"}),
        languages=frozenset({"English", "Japanese"}),
        utc_offset=9.5,
    )


def _payload(members: list[int]) -> dict[str, Any]:
    group = [_candidate(u) for u in members]
    return {
        "group_id": 7,
        "members": members,
        "names": {str(u): LONG_NAME for u in members},
        "guild_name": LONG_GUILD,
        "reason": explain(group),
        "prompts": list(prompts_for(group, 3)),
        "repeat": True,
        "followup_days": 60,
        "channel_id": COLLABS_ID,
    }


async def test_everything_collabs_builds_fits_discord_in_every_language() -> None:
    members = [10**18 + i for i in range(3)]
    settings = RoundSettings(
        GUILD_ID, COLLABS_ID, "monthly", "wed", "18:00", "America/Argentina/Buenos_Aires",
        False, 52, 60, NOW,
    )  # fmt: skip
    profile = CollabProfile(
        GUILD_ID, ALICE_ID, True, ("duet", "stitch", "live", "co-post", "voiceover"),
        ("English", "Portuguese", "Japanese"), "ｗ" * 100, NOW + timedelta(days=30),
    )  # fmt: skip
    status = MemberStatus(
        profile, True, 999_999, tuple((NOW, tuple(members)) for _ in range(10)), removed=True
    )
    stats = Stats(
        settings, 99_999, 999_999, 99_999, 9_999_999, 9_999, {k: 999_999 for k in ANSWERS},
        999_999, 99_999, 99_999, NOW,
        {"language": 99_999, "blocked": 99_999, "full": 99_999, "alone": 99_999, "age": 99_999},
    )  # fmt: skip
    rnd = RoundInfo(
        1, GUILD_ID, NOW, True, 99_999,
        tuple(
            GroupInfo(i, 1, GUILD_ID, tuple(members[: 2 + i % 2]), 1.0, True, "", (), "thread",
                      None, NOW)
            for i in range(9)
        ),
        9_999, tuple(range(5)),
        True, {0: "language", 1: "age", 2: "blocked", 3: "full", 4: "alone"},
    )  # fmt: skip
    for language in LANGUAGES:
        assert language == "en" or ideas_in(language) != ideas_in("en")  # its own file, checked
        with use_locale(language):
            payload = _payload(members)
            check_embed(settings_embed(_("Your collab settings"), profile, NOW))
            check_embed(status_embed(status, profile, NOW))
            found = [Suggestion(u, 1.0, explain([_candidate(1), _candidate(u)])) for u in range(5)]
            check_embed(suggestions_embed(found, lambda _u: LONG_NAME))
            check_embed(stats_embed(stats))
            check_embed(intro_embed(payload))
            for kind in (DM, CHANNEL):
                message = OutboundMessage(1, kind, members[0], GUILD_ID, "x", payload, 0)
                check_message(await render_intro(message))
                check_message(await render_followup(message))
            check_message(announcement(999_999, 99_999, 99_999))
            for why in ("alone", "age", "language", "full", "blocked"):
                check_message(left_out_note(why, LONG_GUILD, ["English", "Portuguese", "Japanese"]))
            check_message(rnd.summary())
            check_message(_("Round done! {summary}", summary=rnd.summary()))
            assert len(thread_title(members, dict.fromkeys(members, LONG_NAME))) <= 100
            for answer in ANSWERS:
                assert len(AnswerButton(1, answer).item.label or "") <= 80
            assert len(NominateButton(1).item.label or "") <= 80
            modal = NominateModal(GroupInfo(1, 1, GUILD_ID, (1, 2), 1.0, False, "", (), "dm",
                                            None, NOW))  # fmt: skip
            assert len(modal.title) <= 45
            for item in modal.children:
                assert isinstance(item, discord.ui.TextInput)
                assert len(item.label or "") <= 45 and len(item.placeholder or "") <= 100
