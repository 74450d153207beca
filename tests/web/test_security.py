"""The dashboard's doors: nothing without login, nothing in a server without Manage Server
there (asked of Discord again before every change), no change without the form's CSRF token,
a session cookie scripts can't read and other sites don't send, a login only from a login this
dashboard started, and no secret in a page or a log line."""

from __future__ import annotations

import logging
import re

import pytest

from core.bot import AnyBot
from fakediscord import FakeDiscord
from services.container import Services
from tests.conftest import ALICE_ID, GUILD_ID, MOD_ID
from tests.web.conftest import CLIENT_SECRET, Visitor
from web.app import COOKIE_NAME

PAGES = ("server", "welcome", "shoutouts", "collabs", "quizzes", "checkins")
ACTIONS = (
    ("server", {"timezone": "Europe/London"}),
    ("welcome/message", {"template": "hacked {member}"}),
    ("welcome/tuning", {"raid_joins": "3", "raid_seconds": "10", "leave_minutes": "0"}),
    ("shoutouts", {"name": "Sneaky", "schedule": "daily 18:00"}),
    ("collabs/state", {"do": "pause"}),
    ("quizzes/categories", {"category": "lingo", "do": "off"}),
    ("checkins/state", {"do": "pause"}),
)


async def zone(bot: AnyBot) -> str:
    return (await bot.need(Services).guild_config.get(GUILD_ID)).timezone


async def test_no_page_or_action_without_login(visitor: Visitor, web_bot: AnyBot) -> None:
    for section in PAGES:
        resp = await visitor.get(f"/g/{GUILD_ID}/{section}")
        assert resp.status == 303 and resp.headers["Location"] == "/auth/login", section
    for path, data in ACTIONS:
        resp = await visitor.post(f"/g/{GUILD_ID}/{path}", data)
        assert resp.status == 401, path
        assert "Log in with Discord" in visitor.pages[-1]
    export = await visitor.get(f"/g/{GUILD_ID}/quizzes/export?builtin=1")
    assert export.status == 303
    assert await zone(web_bot) == "UTC"
    settings = await web_bot.need(Services).welcome.settings(GUILD_ID)
    assert not settings.custom_template


async def test_login_sets_an_httponly_samesite_cookie_and_comes_back_to_the_page(
    visitor: Visitor,
) -> None:
    asked = await visitor.get(f"/g/{GUILD_ID}/welcome")
    assert asked.status == 303
    back = await visitor.login(MOD_ID)
    assert back.status == 303 and back.headers["Location"] == f"/g/{GUILD_ID}/welcome"
    cookies = [c for c in back.headers.getall("Set-Cookie") if c.startswith(COOKIE_NAME)]
    assert cookies, "the login sets the session cookie"
    assert "HttpOnly" in cookies[-1] and "SameSite=Lax" in cookies[-1]
    assert "Max-Age=" in cookies[-1]


async def test_the_page_asked_for_before_login_is_where_login_lands(visitor: Visitor) -> None:
    await visitor.get(f"/g/{GUILD_ID}/quizzes")
    visitor.fake.oauth.login_as(MOD_ID)
    start = await visitor.get("/auth/login")
    consent = await visitor.http.get(start.headers["Location"], allow_redirects=False)
    query = dict(consent.url.query)
    decided = await visitor.http.post(
        start.headers["Location"].split("?")[0],
        data={**query, "decision": "authorize"},
        allow_redirects=False,
    )
    landed = await visitor.get(decided.headers["Location"])
    assert landed.headers["Location"] == f"/g/{GUILD_ID}/quizzes"
    page = await visitor.get(landed.headers["Location"])
    assert page.status == 200 and "Term of the day" in visitor.pages[-1]


async def test_a_login_this_dashboard_did_not_start_is_refused(
    visitor: Visitor, fake: FakeDiscord
) -> None:
    # an attacker's own code, planted through a link (login CSRF): no state of ours
    code_link = await visitor.get("/auth/callback?code=planted&state=forged")
    assert code_link.status == 400 and "stale" in visitor.pages[-1]
    # our state, then a forged one: still refused, and the code is never exchanged
    await visitor.get("/auth/login")
    forged = await visitor.get("/auth/callback?code=planted&state=not-ours")
    assert forged.status == 400
    assert fake.oauth.exchanges == []
    home = await visitor.get("/")
    assert home.status == 200 and 'id="login"' in visitor.pages[-1]


async def test_a_cancelled_login_says_so(visitor: Visitor, fake: FakeDiscord) -> None:
    fake.oauth.login_as(MOD_ID)
    start = await visitor.get("/auth/login")
    consent = await visitor.http.get(start.headers["Location"], allow_redirects=False)
    decided = await visitor.http.post(
        start.headers["Location"].split("?")[0],
        data={**dict(consent.url.query), "decision": "cancel"},
        allow_redirects=False,
    )
    assert "error=access_denied" in decided.headers["Location"]
    back = await visitor.get(decided.headers["Location"])
    assert back.status == 403 and "Login cancelled" in visitor.pages[-1]


async def test_a_member_without_manage_server_gets_403(visitor: Visitor, web_bot: AnyBot) -> None:
    await visitor.login(ALICE_ID)
    home = await visitor.get("/")
    assert home.status == 200 and "Creator Fam" not in visitor.pages[-1]
    token = re.search(r'name="csrf_token" value="([^"]+)"', visitor.pages[-1])
    assert token
    for section in PAGES:
        resp = await visitor.get(f"/g/{GUILD_ID}/{section}")
        assert resp.status == 403, section
        assert "Manage Server" in visitor.pages[-1]
    for path, data in ACTIONS:
        resp = await visitor.post(f"/g/{GUILD_ID}/{path}", {"csrf_token": token[1], **data})
        assert resp.status == 403, path
    assert await zone(web_bot) == "UTC"
    assert await web_bot.need(Services).shoutouts.rotations.list_rotations(GUILD_ID) == []


async def test_a_change_asks_discord_again_not_the_session(
    visitor: Visitor, fake: FakeDiscord, web_bot: AnyBot
) -> None:
    await visitor.login(MOD_ID)
    token = await visitor.csrf(f"/g/{GUILD_ID}/server")  # the page opened while a moderator
    guild = fake.guilds[GUILD_ID]
    guild.members[MOD_ID].roles = []  # ...then Manage Server is taken away (and not owner)
    guild.owner_id = ALICE_ID
    page = await visitor.get(f"/g/{GUILD_ID}/server")
    assert page.status == 200  # showing a page may use the minute-old list
    resp = await visitor.post(
        f"/g/{GUILD_ID}/server", {"csrf_token": token, "timezone": "Europe/London"}
    )
    assert resp.status == 403
    assert await zone(web_bot) == "UTC"


async def test_a_forged_form_without_the_csrf_token_is_refused(
    visitor: Visitor, another_visitor: Visitor, web_bot: AnyBot
) -> None:
    await visitor.login(MOD_ID)
    for path, data in ACTIONS:
        resp = await visitor.post(f"/g/{GUILD_ID}/{path}", data)
        assert resp.status == 403, path
        assert "That form expired" in visitor.pages[-1]
    # someone else's token (their own session's) is no good either
    await another_visitor.login(MOD_ID)
    theirs = await another_visitor.csrf(f"/g/{GUILD_ID}/server")
    resp = await visitor.post(
        f"/g/{GUILD_ID}/server", {"csrf_token": theirs, "timezone": "Europe/London"}
    )
    assert resp.status == 403
    # the live preview sends it in a header: without it, refused too
    preview = await visitor.post(f"/g/{GUILD_ID}/welcome/preview", {"template": "hi"})
    assert preview.status == 403
    assert await zone(web_bot) == "UTC"
    assert not (await web_bot.need(Services).welcome.settings(GUILD_ID)).custom_template
    ok = await visitor.submit(
        f"/g/{GUILD_ID}/server", f"/g/{GUILD_ID}/server", timezone="Europe/London"
    )
    assert ok.status == 303
    assert await zone(web_bot) == "Europe/London"


async def test_logout_ends_the_session(visitor: Visitor) -> None:
    await visitor.login(MOD_ID)
    assert (await visitor.get(f"/g/{GUILD_ID}/server")).status == 200
    token = await visitor.csrf("/")
    out = await visitor.post("/auth/logout", {"csrf_token": token})
    assert out.status == 303
    again = await visitor.get(f"/g/{GUILD_ID}/server")
    assert again.status == 303 and again.headers["Location"] == "/auth/login"


async def test_a_revoked_discord_login_logs_out(visitor: Visitor, fake: FakeDiscord) -> None:
    await visitor.login(MOD_ID)
    token = await visitor.csrf(f"/g/{GUILD_ID}/server")
    fake.oauth.revoke(MOD_ID)  # the person de-authorized Mutuals in Discord
    resp = await visitor.post(
        f"/g/{GUILD_ID}/server", {"csrf_token": token, "timezone": "Europe/London"}
    )
    assert resp.status == 401 and "Log in again" in visitor.pages[-1]
    assert (await visitor.get(f"/g/{GUILD_ID}/server")).status == 303


async def test_no_secret_in_pages_or_logs(
    visitor: Visitor, web_bot: AnyBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await visitor.get("/")
    await visitor.login(MOD_ID)
    for section in PAGES:
        await visitor.get(f"/g/{GUILD_ID}/{section}")
    await visitor.submit(f"/g/{GUILD_ID}/server", f"/g/{GUILD_ID}/server", timezone="Mars/Base")
    await visitor.get("/auth/callback?code=x&state=y")
    bot_token = web_bot.settings.discord_token.get()
    assert web_bot.settings.web is not None
    assert CLIENT_SECRET not in repr(web_bot.settings)
    for text in [*visitor.pages, caplog.text]:
        assert CLIENT_SECRET not in text
        assert bot_token not in text
    session_cookie = [c for c in visitor.http.cookie_jar if c.key == COOKIE_NAME]
    assert session_cookie and "token" not in session_cookie[0].value  # encrypted, opaque


async def test_home_lists_only_servers_you_manage_with_the_bot(
    visitor: Visitor, fake: FakeDiscord, web_bot: AnyBot
) -> None:
    managed = 1_100_000_000_000_000_777
    member_only = 1_100_000_000_000_000_888
    fake.add_guild(guild_id=managed, name="Plant Parents", owner_id=ALICE_ID)
    fake.add_member(managed, MOD_ID, "modmia", permissions=1 << 3)  # Administrator
    fake.add_guild(guild_id=member_only, name="Book Club", owner_id=ALICE_ID)
    fake.add_member(member_only, MOD_ID, "modmia")
    await fake.wait_for(lambda: web_bot.get_guild(member_only) is not None)
    await visitor.login(MOD_ID)
    await visitor.get("/")
    page = visitor.pages[-1]
    assert "Creator Fam" in page and "Plant Parents" in page
    assert "Book Club" not in page
    assert (await visitor.get(f"/g/{managed}/server")).status == 200
    assert (await visitor.get(f"/g/{member_only}/server")).status == 403
