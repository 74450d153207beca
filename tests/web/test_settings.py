"""Every capability's settings on the web: the same services (and so the same rules and
words) as the slash commands, each bad field with its own message, and a change made in one
place seen in the other."""

from __future__ import annotations

import json
import re

import yaml

from core.bot import AnyBot
from fakediscord import FakeDiscord
from services.container import Services
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MOD_ID
from tests.web.conftest import Visitor

G = f"/g/{GUILD_ID}"


def field_error(page: str, form: str, field: str) -> str:
    found = re.search(rf'id="error-{form}-{field}"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no error shown under {form}.{field}"
    return found[1]


def form_error(page: str, form: str) -> str:
    found = re.search(rf'id="error-{form}"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no error shown on {form}"
    return found[1]


async def services(bot: AnyBot) -> Services:
    return bot.need(Services)


async def test_server_zone_and_log_channel_with_per_field_errors(
    visitor: Visitor, web_bot: AnyBot
) -> None:
    await visitor.login(MOD_ID)
    bad = await visitor.submit(
        f"{G}/server", f"{G}/server", timezone="Europe/Londn", log_channel="123"
    )
    assert bad.status == 400
    page = visitor.pages[-1]
    assert "Europe/London" in field_error(page, "server", "timezone")  # the service's hint
    assert "isn&#39;t in this server" in field_error(page, "server", "log_channel")
    assert 'value="Europe/Londn"' in page  # what was typed stays
    ok = await visitor.submit(
        f"{G}/server", f"{G}/server", timezone="europe/london", log_channel=str(GENERAL_ID)
    )
    assert ok.status == 303
    cfg = await (await services(web_bot)).guild_config.get(GUILD_ID)
    assert cfg.timezone == "Europe/London" and cfg.log_channel_id == GENERAL_ID
    shown = await visitor.get(f"{G}/server")
    assert (
        shown.status == 200
        and "Server time zone <strong>Europe/London</strong>" in (visitor.pages[-1])
    )


async def test_welcome_message_rules_and_tuning_as_the_commands_do(
    visitor: Visitor, web_bot: AnyBot, fake: FakeDiscord
) -> None:
    await visitor.login(MOD_ID)
    svc = (await services(web_bot)).welcome
    bad = await visitor.submit(
        f"{G}/welcome/message", f"{G}/welcome", template="Hi {member} {nope}", do="save"
    )
    assert bad.status == 400
    assert "I don&#39;t know <code>{nope}</code>" in field_error(
        visitor.pages[-1], "message", "template"
    )
    ping = await visitor.submit(
        f"{G}/welcome/message", f"{G}/welcome", template="@everyone hi {member}", do="save"
    )
    assert ping.status == 400 and "can&#39;t ping @everyone" in visitor.pages[-1]
    assert not (await svc.settings(GUILD_ID)).custom_template

    preview = await visitor.submit(
        f"{G}/welcome/message", f"{G}/welcome", template="Yo {member} in {server}!", do="preview"
    )
    assert preview.status == 200 and "Yo @" in visitor.pages[-1]
    assert not (await svc.settings(GUILD_ID)).custom_template  # a preview saves nothing

    saved = await visitor.submit(
        f"{G}/welcome/message", f"{G}/welcome", template="Yo {member} in {server}!", do="save"
    )
    assert saved.status == 303
    assert (await svc.settings(GUILD_ID)).template == "Yo {member} in {server}!"
    # the moderators' command sees the same message
    h = await fake.slash(GUILD_ID, MOD_ID, "welcome message")
    await h.response()
    assert "Current welcome message" in (h.content or "")
    assert "Yo <@" in h.embeds[0]["description"]

    tuning = await visitor.submit(
        f"{G}/welcome/tuning",
        f"{G}/welcome",
        raid_joins="1",
        raid_seconds="abc",
        leave_minutes="20",
    )
    assert tuning.status == 400
    page = visitor.pages[-1]
    assert "from 2 to 1000" in field_error(page, "tuning", "raid_joins")
    assert "whole number" in field_error(page, "tuning", "raid_seconds")
    ok = await visitor.submit(
        f"{G}/welcome/tuning",
        f"{G}/welcome",
        raid_joins="5",
        raid_seconds="60",
        leave_minutes="0",
    )
    assert ok.status == 303
    s = await svc.settings(GUILD_ID)
    assert (s.raid_joins, s.raid_window_seconds, s.leave_window_minutes) == (5, 60, 0)
    await visitor.get(f"{G}/welcome")
    assert "More than <strong>5 joins</strong>" in visitor.pages[-1]  # the note after saving

    rules = await visitor.submit(
        f"{G}/welcome/rules", f"{G}/welcome", rules="- Hype each other\n- Respect the niche"
    )
    assert rules.status == 303
    assert (await svc.settings(GUILD_ID)).rules == ("Hype each other", "Respect the niche")
    empty = await visitor.submit(f"{G}/welcome/rules", f"{G}/welcome", rules="   ")
    assert empty.status == 400


async def test_live_preview_answers_with_the_same_rules(visitor: Visitor) -> None:
    await visitor.login(MOD_ID)
    token = await visitor.csrf(f"{G}/welcome")
    good = await visitor.post(
        f"{G}/welcome/preview",
        {"template": "Hey {member}, **welcome** to {server}"},
        headers={"X-CSRF-Token": token},
    )
    body = json.loads(visitor.pages[-1])
    assert good.status == 200 and body["ok"]
    assert "<strong>welcome</strong>" in body["html"] and "Creator Fam" in body["html"]
    await visitor.post(
        f"{G}/welcome/preview", {"template": "<b>{oops}</b>"}, headers={"X-CSRF-Token": token}
    )
    body = json.loads(visitor.pages[-1])
    assert not body["ok"] and "{oops}" in body["error"]


async def test_welcome_basics_and_niches(
    visitor: Visitor, web_bot: AnyBot, fake: FakeDiscord
) -> None:
    high = fake.add_role(GUILD_ID, name="Admins", position=2000)  # above the bot's role
    fan = fake.add_role(GUILD_ID, name="PlantTok fam")
    await fake.wait_for(lambda: web_bot.get_guild(GUILD_ID).get_role(fan) is not None)  # type: ignore[union-attr]
    await visitor.login(MOD_ID)
    svc = await services(web_bot)
    bad = await visitor.submit(
        f"{G}/welcome/basics", f"{G}/welcome", channel=str(GENERAL_ID), autorole=str(high)
    )
    assert bad.status == 400
    assert "I can&#39;t give @Admins" in field_error(visitor.pages[-1], "basics", "autorole")
    ok = await visitor.submit(
        f"{G}/welcome/basics", f"{G}/welcome", channel=str(GENERAL_ID), autorole=str(fan)
    )
    assert ok.status == 303
    s = await svc.welcome.settings(GUILD_ID)
    assert (s.channel_id, s.autorole_id, s.dm_enabled) == (GENERAL_ID, fan, False)

    bad_emoji = await visitor.submit(
        f"{G}/welcome/niches", f"{G}/welcome", name="CozyGamerTok", emoji="abc"
    )
    assert bad_emoji.status == 400
    assert "isn&#39;t an emoji" in field_error(visitor.pages[-1], "niche", "emoji")
    added = await visitor.submit(
        f"{G}/welcome/niches", f"{G}/welcome", name="CozyGamerTok", emoji="🎮", role=str(fan)
    )
    assert added.status == 303
    names = {n.name: n for n in await svc.niches.list_niches(GUILD_ID)}
    assert names["CozyGamerTok"].role_id == fan
    again = await visitor.submit(f"{G}/welcome/niches", f"{G}/welcome", name="CozyGamerTok")
    assert again.status == 400 and "save it again with an emoji" in visitor.pages[-1]
    removed = await visitor.submit(
        f"{G}/welcome/niches/remove", f"{G}/welcome", name="CozyGamerTok"
    )
    assert removed.status == 303
    assert "CozyGamerTok" not in {n.name for n in await svc.niches.list_niches(GUILD_ID)}
    h = await fake.slash(GUILD_ID, MOD_ID, "welcome niche list")
    await h.response()
    assert "CozyGamerTok" not in h.embeds[0]["description"]


async def test_rotations_create_edit_pause_queue_delete(
    visitor: Visitor, web_bot: AnyBot, fake: FakeDiscord
) -> None:
    await visitor.login(MOD_ID)
    svc = (await services(web_bot)).shoutouts
    bad = await visitor.submit(
        f"{G}/shoutouts",
        f"{G}/shoutouts",
        name="Spotlight",
        channel=str(GENERAL_ID),
        schedule="whenever",
        min_days="0",
    )
    assert bad.status == 400
    assert field_error(visitor.pages[-1], "create", "schedule")
    made = await visitor.submit(
        f"{G}/shoutouts",
        f"{G}/shoutouts",
        name="Spotlight",
        channel=str(GENERAL_ID),
        schedule="daily 18:00",
        timezone="Europe/Berlin",
        min_days="2",
        ping_featured="on",
        require="niches",
    )
    assert made.status == 303
    rot = await svc.rotations.get(GUILD_ID, "Spotlight")
    assert (rot.schedule, rot.timezone, rot.min_days_between) == (
        "daily 18:00",
        "Europe/Berlin",
        2,
    )
    assert rot.required_fields == ("niches",)
    h = await fake.slash(GUILD_ID, MOD_ID, "rotation list")
    await h.response()
    assert "Spotlight" in json.dumps(h.embeds)

    dup = await visitor.submit(
        f"{G}/shoutouts",
        f"{G}/shoutouts",
        name="spotlight",
        channel=str(GENERAL_ID),
        schedule="daily 19:00",
        min_days="0",
    )
    assert dup.status == 400 and "already a rotation" in form_error(visitor.pages[-1], "create")

    r = f"{G}/shoutouts/{rot.id}"
    edited = await visitor.submit(
        f"{r}/edit",
        f"{G}/shoutouts",
        name="Spotlight",
        channel=str(GENERAL_ID),
        schedule="weekly mon,thu 18:00",
        timezone="Europe/Berlin",
        min_days="2",
        ping_featured="on",
        require="niches",
    )
    assert edited.status == 303
    assert (await svc.rotations.get(GUILD_ID, "Spotlight")).schedule == "weekly mon,thu 18:00"
    same = await visitor.submit(
        f"{r}/edit",
        f"{G}/shoutouts",
        name="Spotlight",
        channel=str(GENERAL_ID),
        schedule="weekly mon,thu 18:00",
        timezone="Europe/Berlin",
        min_days="2",
        ping_featured="on",
        require="niches",
    )
    assert same.status == 400 and "Nothing changed" in visitor.pages[-1]

    no_profile = await visitor.submit(f"{r}/queue", f"{G}/shoutouts", do="add", member="alice")
    assert no_profile.status == 400  # the rotation needs niches: the service's own refusal
    assert form_error(visitor.pages[-1], f"queue-{rot.id}")
    profiles = (await services(web_bot)).profiles
    for who, handle in ((ALICE_ID, "@alicebooks"), (BOB_ID, "@bobcozy")):
        await profiles.update(GUILD_ID, who, handle=handle, niches=["BookTok"])
        added = await visitor.submit(f"{r}/queue", f"{G}/shoutouts", do="add", member=str(who))
        assert added.status == 303
    nobody = await visitor.submit(f"{r}/queue", f"{G}/shoutouts", do="add", member="ghost")
    assert nobody.status == 400
    assert "can&#39;t find" in field_error(visitor.pages[-1], f"queue-{rot.id}", "member")
    queue = await svc.admin.queue(GUILD_ID, "Spotlight", 10)
    assert {e.user_id for e in queue} == {ALICE_ID, BOB_ID}
    skipped = await visitor.submit(f"{r}/queue", f"{G}/shoutouts", do="skip")
    assert skipped.status == 303
    assert [e.user_id for e in await svc.admin.queue(GUILD_ID, "Spotlight", 10)] == [
        queue[1].user_id,
        queue[0].user_id,
    ]

    paused = await visitor.submit(f"{r}/state", f"{G}/shoutouts", do="pause")
    assert paused.status == 303 and (await svc.rotations.get(GUILD_ID, "Spotlight")).paused
    h = await fake.slash(GUILD_ID, MOD_ID, "rotation resume", {"name": "Spotlight"})
    await h.response()
    assert not (await svc.rotations.get(GUILD_ID, "Spotlight")).paused
    await visitor.get(f"{G}/shoutouts")
    assert f'id="pause-{rot.id}"' in visitor.pages[-1]  # the page shows the command's change

    unconfirmed = await visitor.submit(f"{r}/delete", f"{G}/shoutouts")
    assert unconfirmed.status == 400
    deleted = await visitor.submit(f"{r}/delete", f"{G}/shoutouts", confirm="on")
    assert deleted.status == 303
    assert await svc.rotations.list_rotations(GUILD_ID) == []
    gone = await visitor.submit(f"{r}/state", f"{G}/shoutouts", do="pause")
    assert gone.status == 404


async def test_collab_rounds_schedule_and_pause(visitor: Visitor, web_bot: AnyBot) -> None:
    await visitor.login(MOD_ID)
    svc = (await services(web_bot)).collabs
    paused_first = await visitor.submit(f"{G}/collabs/state", f"{G}/collabs", do="pause")
    assert paused_first.status == 400  # nothing set up yet: the service says so
    bad = await visitor.submit(
        f"{G}/collabs",
        f"{G}/collabs",
        channel=str(GENERAL_ID),
        frequency="weekly",
        day="fri",
        time="25:99",
        history="6",
        followup_days="0",
    )
    assert bad.status == 400
    page = visitor.pages[-1]
    assert "isn&#39;t a time" in field_error(page, "rounds", "time")
    assert "from 1 to 60" in field_error(page, "rounds", "followup_days")
    ok = await visitor.submit(
        f"{G}/collabs",
        f"{G}/collabs",
        channel=str(GENERAL_ID),
        frequency="biweekly",
        day="fri",
        time="6pm",
        history="4",
        followup_days="10",
    )
    assert ok.status == 303
    cfg = await svc.settings(GUILD_ID)
    assert cfg is not None
    assert (cfg.frequency, cfg.day, cfg.time, cfg.history_rounds, cfg.followup_days) == (
        "biweekly",
        "fri",
        "18:00",
        4,
        10,
    )
    assert (await visitor.submit(f"{G}/collabs/state", f"{G}/collabs", do="pause")).status == 303
    cfg = await svc.settings(GUILD_ID)
    assert cfg is not None and cfg.paused and cfg.next_round_at is None
    twice = await visitor.submit(f"{G}/collabs/state", f"{G}/collabs", do="pause")
    assert twice.status == 400 and "already paused" in visitor.pages[-1]


async def test_quiz_daily_categories_and_packs(visitor: Visitor, web_bot: AnyBot) -> None:
    await visitor.login(MOD_ID)
    quizzes = (await services(web_bot)).quizzes
    daily = await visitor.submit(
        f"{G}/quizzes/daily",
        f"{G}/quizzes",
        channel=str(GENERAL_ID),
        time="9am",
        timezone="Asia/Tokyo",
        do="save",
    )
    assert daily.status == 303
    cfg = await quizzes.daily.config(GUILD_ID)
    assert cfg is not None and (cfg.post_time, cfg.timezone, cfg.enabled) == (
        "09:00",
        "Asia/Tokyo",
        True,
    )
    off = await visitor.submit(f"{G}/quizzes/daily", f"{G}/quizzes", do="off")
    assert off.status == 303
    assert not (await quizzes.daily.config(GUILD_ID)).enabled  # type: ignore[union-attr]

    category = next(iter(await quizzes.admin.category_counts(GUILD_ID)))
    toggled = await visitor.submit(
        f"{G}/quizzes/categories", f"{G}/quizzes", category=category, do="off"
    )
    assert toggled.status == 303
    assert not (await quizzes.admin.category_counts(GUILD_ID))[category][1]

    token = await visitor.csrf(f"{G}/quizzes")
    broken = yaml.safe_dump({"questions": [{"id": "x", "prompt": ""}]}).encode()
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("csrf_token", token)
    form.add_field("pack", broken, filename="pack.yaml", content_type="application/x-yaml")
    bad = await visitor.post(f"{G}/quizzes/import", form)
    assert bad.status == 400
    assert "Nothing was imported" in field_error(visitor.pages[-1], "import", "pack")
    assert 'id="import-problems"' in visitor.pages[-1]
    wrong = aiohttp.FormData()
    wrong.add_field("csrf_token", token)
    wrong.add_field("pack", b"hi", filename="pack.txt", content_type="text/plain")
    assert (await visitor.post(f"{G}/quizzes/import", wrong)).status == 400

    huge = aiohttp.FormData()
    huge.add_field("csrf_token", token)
    huge.add_field("pack", b"x" * (3 * 1024**2), filename="big.yaml")
    too_big = await visitor.post(f"{G}/quizzes/import", huge)
    assert too_big.status == 413 and "split it into smaller packs" in visitor.pages[-1]

    none_yet = await visitor.get(f"{G}/quizzes/export")
    assert none_yet.status == 404 and "include the shipped questions" in visitor.pages[-1]
    export = await visitor.get(f"{G}/quizzes/export?builtin=1")
    assert export.status == 200
    assert export.headers["Content-Disposition"].startswith("attachment")
    pack = yaml.safe_load(visitor.pages[-1])
    one = pack["questions"][0]
    one["id"] = "web-import-1"
    good = aiohttp.FormData()
    good.add_field("csrf_token", token)
    good.add_field(
        "pack",
        yaml.safe_dump({**pack, "questions": [one]}).encode(),
        filename="mine.yaml",
        content_type="application/x-yaml",
    )
    imported = await visitor.post(f"{G}/quizzes/import", good)
    assert imported.status == 303, visitor.pages[-1][:2000]
    assert len(await quizzes.admin.questions(GUILD_ID)) > 0


async def test_checkins_setup_questions_summary_pause(visitor: Visitor, web_bot: AnyBot) -> None:
    await visitor.login(MOD_ID)
    svc = (await services(web_bot)).checkins
    bad = await visitor.submit(
        f"{G}/checkins",
        f"{G}/checkins",
        channel=str(GENERAL_ID),
        period="weekly",
        day="sun",
        time="later",
    )
    assert bad.status == 400 and field_error(visitor.pages[-1], "setup", "time")
    ok = await visitor.submit(
        f"{G}/checkins",
        f"{G}/checkins",
        channel=str(GENERAL_ID),
        period="weekly",
        day="fri",
        time="19:30",
    )
    assert ok.status == 303
    s = await svc.get_settings(GUILD_ID)
    assert s is not None and (s.prompt_day, s.prompt_time.strftime("%H:%M")) == (4, "19:30")
    dup = await visitor.submit(
        f"{G}/checkins/questions",
        f"{G}/checkins",
        q1="How was your week?",
        q2="how was your week?",
    )
    assert dup.status == 400 and "Two questions are the same" in visitor.pages[-1]
    saved = await visitor.submit(
        f"{G}/checkins/questions",
        f"{G}/checkins",
        q1="How many TikToks did you post?",
        q2="Best moment?",
    )
    assert saved.status == 303
    s = await svc.get_settings(GUILD_ID)
    assert s is not None and [q.text for q in s.questions] == [
        "How many TikToks did you post?",
        "Best moment?",
    ]
    summary = await visitor.submit(f"{G}/checkins/summary", f"{G}/checkins", summary_time="8am")
    assert summary.status == 303
    paused = await visitor.submit(f"{G}/checkins/state", f"{G}/checkins", do="pause")
    assert paused.status == 303
    s = await svc.get_settings(GUILD_ID)
    assert s is not None and s.paused and s.summary_time.strftime("%H:%M") == "08:00"
