"""Safety in the fam's languages: a Japanese member in a Korean-language server reports someone
and reads the answer in Japanese, while the moderators' notice in the log channel is Korean; and
everything safety builds stays within Discord's limits in every language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cogs.safety.moderators import settings_embed
from cogs.safety.report_render import notice_embed, status_text, thanks, updated_notice
from cogs.safety.report_views import MOD_BUTTONS, ReportForm, ReportModal, mod_view
from cogs.safety.rules import _added, overview_embed
from core.i18n import LANGUAGES, use_locale
from fakediscord import FakeDiscord
from fakediscord.limits import check_message, check_modal
from services.languages import choose_server_language
from services.safety import RulesOverview, RuleSpec, WordsChange
from services.safety.age import AgeSettings
from services.safety.automod import KEYWORD_PRESET
from services.safety.reports import ACTIONED, OPEN, Report
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, MOD_ID, BotFactory
from tests.safety.test_reports import (
    MODLOG_ID,
    answer,
    fields_of,
    mod_button,
    names_stored,
    use_log_channel,
)


async def test_a_japanese_member_reports_in_a_korean_server(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory()
    await use_log_channel(fake)
    await choose_server_language(bot.db, GUILD_ID, "ko")
    await names_stored(bot, ALICE_ID, BOB_ID)
    fake.users[BOB_ID].locale = "ja"

    h = await fake.slash(
        GUILD_ID,
        BOB_ID,
        "report",
        {"member": fake.member_option(ALICE_ID), "reason": "DMで写真を要求された"},
    )
    told = await answer(h)
    assert h.ephemeral and told.startswith("教えてくれてありがとう。💞"), told
    assert "**alice** さんについての報告" in told

    [notice] = await fake.wait_for(lambda: [m for m in fake.messages(MODLOG_ID) if m["embeds"]])
    embed = notice["embeds"][0]
    assert embed["title"] == "🚩 신고"
    assert (
        embed["description"]
        == f"**bob** (<@{BOB_ID}>)님이 **alice** (<@{ALICE_ID}>)님을 신고했어요."
    )
    fields = fields_of(notice)
    assert fields["상태"] == "🕒 운영진 확인 대기 중"
    assert "DMで写真を要求された" in fields["본인이 쓴 내용"]
    labels = [c["label"] for row in notice["components"] for c in row["components"]]
    assert labels == ["기각", "콜라보에서 빼기"]

    # a Japanese-speaking member can't press the moderators' buttons: told so in Japanese
    refused = await fake.click(BOB_ID, mod_button(notice, "dismiss"), message_id=int(notice["id"]))
    assert "モデレーター専用です" in await answer(refused)

    # the moderator (English client) dismisses it: the status is replaced, not duplicated
    done = await fake.click(MOD_ID, mod_button(notice, "dismiss"), message_id=int(notice["id"]))
    await done.response()
    edited = await fake.wait_for(
        lambda: [
            m
            for m in fake.messages(MODLOG_ID)
            if m["id"] == notice["id"] and "Dismissed" in json_of(m)
        ]
    )
    names = [f["name"] for f in edited[0]["embeds"][0]["fields"]]
    assert "상태" not in names and names.count("Status") == 1


def json_of(message: dict[str, Any]) -> str:
    import json

    return json.dumps(message, ensure_ascii=False)


# ---------------------------------------------------------------- Discord's limits

LONG_NAME = "W" * 32
WHEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def _report(status: str) -> Report:
    return Report(
        id=999_999,
        guild_id=GUILD_ID,
        reporter_id=BOB_ID,
        target_id=ALICE_ID,
        source="collab",
        category="contact",
        details="ｗ" * 1000,
        channel_id=1,
        message_id=2,
        in_dm=False,
        notice="channel",
        status=status,
        created_at=WHEN,
        handled_by=MOD_ID,
        handled_at=WHEN,
        removed_from_collabs=True,
        let_back=False,
        post_removed=True,
    )


def _problems(**body: Any) -> list[Any]:
    data: dict[str, Any] = {"content": body.get("content")}
    if "embeds" in body:
        data["embeds"] = [e.to_dict() for e in body["embeds"]]
    if body.get("view") is not None:
        data["components"] = body["view"].to_components()
    return check_message(data)


async def test_everything_safety_builds_fits_discord_in_every_language() -> None:
    payload = {
        "report_id": 999_999,
        "guild_id": GUILD_ID,
        "guild_name": "S" * 100,
        "reporter_id": BOB_ID,
        "reporter_name": LONG_NAME,
        "target_id": ALICE_ID,
        "target_name": LONG_NAME,
        "source": "shoutout",
        "category": "harassment",
        "details": "\n".join(["ｗ" * 99] * 10),
        "jump_url": "https://discord.com/channels/1/2/3",
        "in_dm": False,
        "has_post": True,
        "created_at": WHEN.isoformat(),
        "note": "n" * 300,
        "for_user": MOD_ID,
    }
    rule = RuleSpec(
        rule_id=1,
        name="R" * 100,
        trigger_type=1,
        enabled=False,
        keywords=tuple("k" * 60 for _ in range(1000)),
        regex_patterns=tuple("p" * 260 for _ in range(10)),
        allow_list=tuple("a" * 60 for _ in range(100)),
        presets=(),
    )
    preset = RuleSpec(2, "P" * 100, KEYWORD_PRESET, True, presets=(1, 2, 3))
    overview = RulesOverview(
        words=tuple("*" + "w" * 58 + "*" for _ in range(500)),
        rules=(rule,) * 10 + (preset,) * 10,
        readable=True,
        refreshed_at=WHEN,
        unreadable_patterns=tuple(("R" * 100, "p" * 260) for _ in range(20)),
    )
    change = WordsChange(tuple("w" * 60 for _ in range(500)), ("x" * 60,) * 500, 500)
    ages = AgeSettings(GUILD_ID, False, 1, "either", MOD_ID, WHEN)
    for language in LANGUAGES:
        with use_locale(language):
            found: list[Any] = []
            embed = notice_embed(payload)
            found += _problems(embeds=[embed])
            for status in (OPEN, ACTIONED, "dismissed"):
                found += _problems(embeds=[updated_notice(None, _report(status))])
                assert len(status_text(_report(status))) <= 1024
            found += _problems(content=thanks(LONG_NAME, "collab"))
            found += _problems(embeds=[overview_embed(overview)])
            found += _problems(content=_added(change))
            found += _problems(embeds=[settings_embed(ages, {"adult": 10**6}, 10**6)])
            found += _problems(content="x", view=mod_view(list(MOD_BUTTONS), 999_999))
            for candidates in (None, tuple((i, LONG_NAME) for i in range(30))):
                form = ReportForm(GUILD_ID, "collab", 1, 2, False, candidates)
                modal = ReportModal(None, form, 10**18)  # type: ignore[arg-type]
                found += check_modal(modal.to_dict())
            assert found == [], (language, found)
