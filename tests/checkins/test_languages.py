"""Check-ins in the fam's languages: a Japanese member in a Korean-language server reads her
replies in Japanese and the server's posts in Korean; and everything check-ins build stays
within Discord's limits in every language, with long names and answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import discord

from cogs.checkins import care, render
from cogs.checkins.views import nominate_view
from core.clock import ManualClock
from core.i18n import LANGUAGES, use_locale
from core.outbox import CHANNEL, DM, OutboundMessage
from core.outbox_worker import DeliveryResult, SendSpec
from fakediscord import FakeDiscord
from fakediscord.limits import check_message
from services.checkins import (
    PROMPT_KIND,
    SLOT_KIND,
    CareSettings,
    MemberPeriod,
    Outreach,
    PeriodMark,
    Streak,
    StreakReport,
    Submitted,
    Summary,
)
from services.checkins.answers import AnswerForm
from services.checkins.inputs import questions_from
from services.languages import choose_server_language
from tests.checkins.test_bot import MONDAY_MORNING, OPEN, channel_posts, names_stored, set_up
from tests.conftest import ALICE_ID, GENERAL_ID, GUILD_ID, BotFactory
from tests.util import eventually

MOOD = f"mutuals:ci:mood:{GUILD_ID}"
MODAL = f"mutuals:ci:modal:{GUILD_ID}"


async def _true(value: bool) -> bool:
    return value


async def test_a_japanese_member_in_a_korean_server(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock)
    await set_up(fake)
    await choose_server_language(bot.db, GUILD_ID, "ko")
    fake.users[ALICE_ID].locale = "ja"
    await names_stored(bot)

    joined = await fake.slash(GUILD_ID, ALICE_ID, "checkin optin", {"how": "channel"})
    await joined.response()
    assert joined.ephemeral and "参加完了！💞" in str(joined.content), joined.content
    assert "毎週月曜日の18:00" in str(joined.content)  # the weekday by Babel, in Japanese

    clock.set(datetime(2026, 1, 12, 19, 0, tzinfo=UTC))
    await bot.deliveries.run(PROMPT_KIND)
    await eventually(lambda: _true(len(channel_posts(fake)) == 1), what="the channel prompt")
    post = channel_posts(fake)[0]
    assert "체크인 시간이에요, 팸! 💞" in post["content"], post["content"]  # public: Korean
    assert post["components"][0]["components"][0]["label"] == "체크인"

    click = await fake.click(ALICE_ID, OPEN, message_id=int(post["id"]))
    await click.response()
    assert click.ephemeral and "今週はぶっちゃけどうだった？" in str(click.content)
    shown = click.message
    assert shown is not None
    labels = [c.get("label") for row in shown["components"] for c in row["components"]]
    assert "🙂 いい感じ" not in labels and "いい感じ" in labels and "気分はスキップ" in labels
    mood = await fake.click(ALICE_ID, f"{MOOD}:4", message_id=click.original_message_id)
    await mood.response()
    modal = mood.modal
    assert modal is not None and modal["title"].startswith("チェックイン：")
    asked = [row["components"][0]["label"] for row in modal["components"]]
    assert asked[0] == "今週TikTokを何本投稿した？", asked
    done = await fake.submit_modal(ALICE_ID, MODAL, {"q0": "2", "q2": "5k達成！"})
    await done.response()
    assert done.ephemeral and "チェックイン完了！" in str(done.content), done.content
    assert "ストリーク：**1週**" in str(done.content)

    again = await fake.slash(GUILD_ID, ALICE_ID, "checkin now")
    await again.response()
    assert "前回は **🙂 いい感じ** を選んだよ。" in str(again.content), again.content
    reopened = await fake.click(ALICE_ID, f"{MOOD}:4", message_id=again.original_message_id)
    await reopened.response()
    refused = await fake.submit_modal(ALICE_ID, MODAL, {"q0": "many"})
    await refused.response()
    assert "「今週TikTokを何本投稿した？」には `3` のように数字で答えてね。" in str(refused.content)

    clock.set(datetime(2026, 1, 19, 9, 5, tzinfo=UTC))  # the recap: Korean, for everyone
    await bot.deliveries.run(SLOT_KIND)

    def recaps() -> list[dict[str, Any]]:
        return [m for m in channel_posts(fake) if m.get("embeds")]

    await eventually(lambda: _true(len(recaps()) == 1), what="the recap")
    embed = recaps()[0]["embeds"][0]
    assert embed["title"] == "체크인 리캡: 1월 12일 주간 💞", embed["title"]
    assert "이번 주 맞팔 1명 중 **1**명이 체크인했어요" in embed["description"]
    assert {f["name"] for f in embed["fields"]} >= {"잘된 일 🏆"}
    assert not any("Check-in" in m["content"] for m in channel_posts(fake))


# ---------------------------------------------------------------- Discord's limits


LONG_NAME = "W" * 32  # Discord's longest display name, in wide letters
LONG_TEXT = "ｗ" * 400  # an answer at its limit, full-width
WHEN = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def _period() -> MemberPeriod:
    return MemberPeriod(
        label=date(2026, 3, 2),
        opens_at=WHEN,
        closes_at=WHEN + timedelta(days=7),
        prompt_at=WHEN,
        prompt_day=date(2026, 3, 2),
        tz="America/Argentina/Buenos_Aires",
    )


def _care() -> CareSettings:
    return CareSettings(
        enabled=True,
        channel_id=1 << 60,
        resources=tuple("🌍 " + "ｘ" * 147 for _ in range(6)),
        set_by=1 << 61,
    )


def _summary(period: str) -> Summary:
    ids = tuple(range(10**17, 10**17 + 25))
    return Summary(
        guild_id=GUILD_ID,
        label=date(2026, 3, 2),
        period=period,
        channel_id=GENERAL_ID,
        checked_in=999_999,
        opted_in=1_000_000,
        names=ids,
        wins=tuple((u, LONG_TEXT) for u in ids),
        milestones=tuple((u, 100) for u in ids),
        links=tuple((u, "https://www.tiktok.com/@" + "x" * 40 + "/video/" + "9" * 19) for u in ids),
        collab_hint=True,
        display={u: LONG_NAME for u in ids},
    )


def _problems(spec: SendSpec | None = None, **parts: Any) -> list[Any]:
    body: dict[str, Any] = {}
    if spec is not None:
        body = {
            "content": spec.content,
            "embeds": [e.to_dict() for e in spec.embeds],
            "components": spec.view.to_components() if spec.view else [],
        }
    if "content" in parts:
        body["content"] = parts["content"]
    if "embeds" in parts:
        body["embeds"] = [e.to_dict() for e in parts["embeds"]]
    if "view" in parts and parts["view"] is not None:
        body["components"] = parts["view"].to_components()
    return check_message(body)


def _msg(kind: str, payload: dict[str, Any]) -> OutboundMessage:
    return OutboundMessage(1, kind, 1 << 62, GUILD_ID, "checkins", payload, 0)


async def test_everything_checkins_build_fits_discord_in_every_language() -> None:
    form_questions = questions_from(["How many TikToks did you post this week?", "x" * 45])
    for language in LANGUAGES:
        with use_locale(language):
            found: list[Any] = []
            for unit, period in (("week", "weekly"), ("day", "daily")):
                prompt = {
                    "guild_id": GUILD_ID,
                    "unit": unit,
                    "closes_at": WHEN.isoformat(),
                    "guild_name": "S" * 100,
                    "user_ids": [str(10**18 + i) for i in range(90)],
                    "fallback": True,
                }
                found += _problems(render.dm_prompt_spec(_msg(DM, prompt)))
                found += _problems(render.channel_prompt_spec(_msg(CHANNEL, prompt)))
                summary = _summary(period)
                found += _problems(render.summary_spec(summary))
                found += _problems(view=nominate_view(summary, [LONG_NAME] * 25))
                report = StreakReport(
                    Streak(
                        999,
                        999,
                        tuple(PeriodMark(date(2026, 1, 5), "done", 5) for _ in range(12)),
                    ),
                    unit,
                    "America/Argentina/Buenos_Aires",
                    "▁▂▄▆█" * 2,
                    _period(),
                )
                found += _problems(embeds=[render.streak_embed(report)], content="")
                for low, mood in ((False, 4), (True, 1), (True, 2)):
                    for edited in (False, True):
                        result = Submitted(
                            GUILD_ID,
                            _period(),
                            edited,
                            999,
                            999,
                            100,
                            True,
                            mood,
                            _care() if low else None,
                            None,
                        )
                        text, view = care.saved_reply(result, unit)
                        found += _problems(content=text, view=view)
                form = AnswerForm(GUILD_ID, _period(), form_questions, None, mood=3)
                found += _problems(
                    content=care.mood_question(form, unit), view=care.mood_view(form)
                )
            outreach = Outreach(GUILD_ID, ALICE_ID, date(2026, 3, 2), _care(), WHEN, None, True)
            found += _problems(content=care.outreach_reply(outreach, None))
            fresh = Outreach(GUILD_ID, ALICE_ID, date(2026, 3, 2), _care(), None, "k", True)
            for delivered in (None, DeliveryResult("sent"), DeliveryResult("failed")):
                found += _problems(content=care.outreach_reply(fresh, delivered))
            for to in ("dm", "channel"):
                note = {
                    "guild_id": GUILD_ID,
                    "user_id": ALICE_ID,
                    "name": LONG_NAME,
                    "guild_name": "S" * 100,
                    "label": "2026-03-02",
                    "period": "weekly",
                    "shared": True,
                    "mood_value": 1,
                    "answers": [["One win (big or small!)", LONG_TEXT]] * 5,
                    "to": to,
                }
                found += _problems(care.care_note_spec(_msg(to, note)))
            for enabled in (True, False):
                settings = CareSettings(enabled, None, (), None)
                found += _problems(embeds=care.care_embed(settings, None), content="x")
                found += _problems(embeds=care.care_embed(_care(), 1), content="x")
            assert found == [], (language, found)


async def test_form_labels_and_buttons_fit_in_every_language() -> None:
    from cogs.checkins.views import CheckinModal, EditAnswersView, QuestionsModal
    from services.checkins.config import CheckinSettings
    from services.checkins.inputs import WEEKLY_QUESTIONS

    questions = questions_from(WEEKLY_QUESTIONS)
    settings = CheckinSettings(
        GUILD_ID,
        GENERAL_ID,
        "weekly",
        0,
        WHEN.time(),
        WHEN.time(),
        questions,
        False,
        "UTC",
        date(2026, 1, 5),
        WHEN,
    )
    form = AnswerForm(GUILD_ID, _period(), questions, None)
    for language in LANGUAGES:
        with use_locale(language):
            for modal in (
                CheckinModal(None, form, "t" * 45),  # type: ignore[arg-type]
                QuestionsModal(None, settings),  # type: ignore[arg-type]
                care.ResourcesModal(None, GUILD_ID, _care()),  # type: ignore[arg-type]
            ):
                data = modal.to_dict()
                assert len(data["title"]) <= 45, (language, data["title"])
                for row in data["components"]:
                    for item in row.get("components", [row.get("component", row)]):
                        assert len(item.get("label") or "") <= 45, (language, item)
                        assert len(item.get("placeholder") or "") <= 100, (language, item)
            edit = EditAnswersView(None, form, "t")  # type: ignore[arg-type]
            assert _problems(content="x", view=edit) == []
            assert isinstance(edit.edit, discord.ui.Button) and edit.edit.label
