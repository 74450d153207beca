"""Care after a low check-in, the service on both databases: one mood per check-in (buttons or
the old mood question), what a low answer keeps out of the recap, the moderators' settings, and
the note queued only when a member asks (once, their answers only if they share them)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError
from models.checkins import CheckinAnswer
from models.delivery import OutboxMessage
from services.checkins import DEFAULT_RESOURCES, PURPOSE_CARE_NOTE, CheckinService
from services.guild_config import GuildConfigService
from services.niches import NicheService
from services.profiles import ProfileService

G = 1_100_000_000_000_000_001
CH, LOG = 3_000_000_000_000_000_001, 3_000_000_000_000_000_010
MOD, CARE_MOD = 9, 10
ANA, BEA = 101, 102
WEEK = date(2026, 1, 12)
LINK = "https://www.tiktok.com/@ana/video/1"
# the default questions: count, link, win, blocker, mood
LOW = ["2", LINK, "finished my first series", "need collab ideas, thinking of quitting", "1"]
GOOD = ["1", "", "hit 1k!", "", "5"]


async def service(db: Database) -> tuple[CheckinService, ManualClock]:
    clock = ManualClock(datetime(2026, 1, 12, 19, 0, tzinfo=UTC))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", by=MOD)
    for uid in (ANA, BEA):
        await svc.opt_in(G, uid)
    return svc, clock


async def notes(db: Database) -> list[OutboxMessage]:
    async with db.read() as s:
        rows = await s.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == PURPOSE_CARE_NOTE)
        )
        return list(rows)


async def answer_row(db: Database, user_id: int) -> CheckinAnswer | None:
    async with db.read() as s:
        row: CheckinAnswer | None = await s.scalar(
            select(CheckinAnswer).where(CheckinAnswer.user_id == user_id)
        )
        return row


async def test_one_mood_per_check_in_from_the_buttons_or_the_old_question(db: Database) -> None:
    svc, _ = await service(db)
    # the old way (a form that still shows the mood question): its answer is the mood
    legacy = await svc.submit(G, ANA, LOW)
    assert legacy.mood == 1 and legacy.low and legacy.care is not None
    row = await answer_row(db, ANA)
    assert row is not None and row.mood == 1
    assert [a["kind"] for a in row.answers] == ["count", "link", "win", "blocker"], "stored once"
    # the buttons win over a typed mood, and an edit without a mood keeps the saved one
    asked = ["One win (big or small!)", "Mood, 1–5 (5 = thriving)"]
    both = await svc.submit(G, ANA, ["a win", "2"], questions=asked, mood=5)
    assert both.mood == 5 and not both.low and both.care is None
    kept = await svc.submit(G, ANA, ["another win"], questions=asked[:1])
    assert kept.mood == 5 and kept.edited
    form = await svc.form(G, ANA)
    assert form.asks_mood and form.mood == 5
    assert [q.text for _, q in form.shown()] == [q.text for q in form.questions[:4]]
    assert form.existing is not None and form.existing[4] == "5"
    # a mood alone is a check-in; nothing at all is not; a mood off the scale is refused
    assert (await svc.submit(G, BEA, [], questions=[], mood=3)).mood == 3
    with pytest.raises(DomainError, match="at least one"):
        await svc.submit(G, BEA, [], questions=[])
    with pytest.raises(DomainError, match="five buttons"):
        await svc.submit(G, BEA, [], questions=[], mood=6)


async def test_the_mood_is_asked_when_a_question_is_about_it_or_care_is_on(db: Database) -> None:
    svc, _ = await service(db)
    assert (await svc.form(G, ANA)).asks_mood  # the defaults ask the mood
    await svc.set_questions(G, ["What did you film?"])
    assert (await svc.form(G, ANA)).asks_mood, "care is on by default: the mood is asked"
    await svc.set_care_enabled(G, False, by=CARE_MOD)
    form = await svc.form(G, ANA)
    assert not form.asks_mood and [q.text for _, q in form.shown()] == ["What did you film?"]
    low = await svc.submit(G, ANA, ["a sad vlog"], mood=1)
    assert low.low and low.care is None, "care off: no support offered, still a low check-in"


async def test_a_low_check_in_adds_only_what_showing_up_makes_public(db: Database) -> None:
    svc, clock = await service(db)
    for _ in range(4):  # four weeks in a row: both reach the 4-week milestone
        await svc.queue_due(clock.now())
        await svc.submit(G, BEA, GOOD)
        await svc.submit(G, ANA, GOOD)
        clock.advance(days=7)
    clock.set(datetime(2026, 2, 2, 19, 0, tzinfo=UTC))
    await svc.submit(G, ANA, LOW)  # …but Ana's fourth week turns out rough
    label = date(2026, 2, 2)
    summary = await svc.build_summary(G, label)
    assert summary.checked_in == 2 and set(summary.names) == {ANA, BEA}
    assert set(summary.milestones) == {(ANA, 4), (BEA, 4)}
    assert summary.wins == ((BEA, "hit 1k!"),)
    assert summary.links == () and not summary.collab_hint
    payload = repr(summary.payload())
    for private in ("finished my first series", "quitting", LINK, "mood"):
        assert private not in payload, private
    assert await svc.best_link(G, ANA, label) is None, "a low week's TikTok isn't nominated"
    await svc.submit(G, ANA, ["2", LINK, "finished my first series", "", "4"])  # feeling better
    better = await svc.build_summary(G, label)
    assert (ANA, "finished my first series") in better.wins and better.links == ((ANA, LINK),)
    assert await svc.best_link(G, ANA, label) == LINK


async def test_moderators_set_care_up_and_its_lines_are_checked(db: Database) -> None:
    svc, _ = await service(db)
    care, log = await svc.care_settings(G)
    assert care.enabled and care.shown_resources == DEFAULT_RESOURCES and log is None
    care, _ = await svc.set_care_channel(G, 555, by=CARE_MOD)
    assert care.channel_id == 555 and care.set_by == CARE_MOD
    care, _ = await svc.set_care_resources(
        G, "  🇺🇸 US: call or text   988 \n\n🇬🇧 UK: Samaritans, 116 123\n", by=CARE_MOD
    )
    assert care.resources == ("🇺🇸 US: call or text 988", "🇬🇧 UK: Samaritans, 116 123")
    for bad, needle in [
        ("\n".join(f"line {i}" for i in range(7)), "6 or fewer"),
        ("ask <@123> for help", "mentions"),
        ("x" * 151, "150 or fewer"),
    ]:
        with pytest.raises(DomainError, match=needle):
            await svc.set_care_resources(G, bad, by=CARE_MOD)
    assert (await svc.care_settings(G))[0].resources == care.resources, "refusals change nothing"
    care, _ = await svc.set_care_resources(G, "   \n", by=CARE_MOD)
    assert care.resources == () and care.shown_resources == DEFAULT_RESOURCES
    with pytest.raises(DomainError, match="aren't set up"):
        await svc.set_care_enabled(G + 1, False, by=CARE_MOD)


async def test_a_note_is_queued_once_only_when_asked_and_holds_only_what_she_shares(
    db: Database,
) -> None:
    svc, clock = await service(db)
    await svc.submit(G, ANA, LOW)
    await svc.submit(G, BEA, LOW)
    assert await notes(db) == [], "a low mood alone tells nobody"
    with pytest.raises(DomainError, match="message one of the moderators directly"):
        await svc.reach_out(G, ANA, date(2025, 12, 1), share=False)  # no such check-in

    # no log channel: a DM to whoever set check-ins up
    asked_at = clock.now()
    first = await svc.reach_out(G, ANA, WEEK, share=False)
    assert first.asked_before is None and not first.to_log_channel
    (note,) = await notes(db)
    assert (note.kind, note.target_id) == ("dm", MOD)
    assert note.payload["shared"] is False and "answers" not in note.payload
    assert "quitting" not in repr(note.payload) and "mood" not in note.payload
    clock.advance(hours=1)
    again = await svc.reach_out(G, ANA, WEEK, share=True)
    assert again.asked_before == asked_at and again.dedupe_key is None
    assert len(await notes(db)) == 1, "once per check-in"

    # with a log channel: there, and with her answers since she chose to share them
    await GuildConfigService(db, clock).update(G, log_channel_id=LOG)
    await svc.reach_out(G, BEA, WEEK, share=True)
    shared = [n for n in await notes(db) if n.payload["user_id"] == BEA]
    assert [(n.kind, n.target_id) for n in shared] == [("channel", LOG)]
    answers = dict(shared[0].payload["answers"])
    assert answers["One blocker (the algorithm again?)"] == LOW[3]
    assert shared[0].payload["mood"] == "😣 Rough"

    # /profile delete erases the check-in and that she asked
    await ProfileService(db, clock, NicheService(db)).delete(G, ANA)
    assert await answer_row(db, ANA) is None
