"""The dashboard in every language Mutuals speaks: each page (with every section filled in, so
the conditional parts render too) answers in the viewer's language, from their Discord locale
at login or the footer's switcher; the login page follows the browser before login; and a
service's per-field refusal comes out in the viewer's language."""

from __future__ import annotations

import html
import re

import pytest
from babel.messages.pofile import read_po
from markupsafe import escape

from core.errors import DomainError
from core.i18n import DOMAINS, LANGUAGES, LOCALES_DIR, SOURCE, _, use_locale
from fakediscord import FakeDiscord
from services.profiles import validate_timezone
from tests.conftest import GENERAL_ID, GUILD_ID, MOD_ID
from tests.web.conftest import Visitor
from web.language import from_accept_language
from web.nav import SECTIONS

G = f"/g/{GUILD_ID}"
HTML_LANG = re.compile(r'<html lang="([^"]+)">')


def esc(text: str) -> str:
    """``text`` escaped as the templates escape it (markupsafe: ' is &#39;)."""
    return str(escape(text))


def html_lang(page: str) -> str:
    found = HTML_LANG.search(page)
    assert found, "no <html lang>"
    return found[1]


def as_text(fragment: str) -> str:
    """What a person reads in an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def timezone_refusal(language: str) -> str:
    """The service's own words for a zone that doesn't exist, in ``language``."""
    with use_locale(language):
        try:
            validate_timezone("Mars/Olympus")
        except DomainError as exc:
            return exc.message.replace("**", "").replace("`", "")
    raise AssertionError("Mars/Olympus was accepted")


async def fill_every_section(visitor: Visitor) -> None:
    """One of everything, so the pages' "set up" branches render as well as the empty ones."""
    channel = str(GENERAL_ID)
    forms = [
        (f"{G}/welcome/niches", f"{G}/welcome", {"name": "CozyGamerTok", "emoji": "🎮"}),
        (
            f"{G}/shoutouts",
            f"{G}/shoutouts",
            {"name": "Spotlight", "channel": channel, "schedule": "daily 18:00", "min_days": "0"},
        ),
        (
            f"{G}/collabs",
            f"{G}/collabs",
            {
                "channel": channel,
                "frequency": "weekly",
                "day": "fri",
                "time": "18:00",
                "history": "4",
                "followup_days": "7",
            },
        ),
        (f"{G}/quizzes/daily", f"{G}/quizzes", {"channel": channel, "time": "9am"}),
        (
            f"{G}/checkins",
            f"{G}/checkins",
            {"channel": channel, "period": "weekly", "day": "fri", "time": "19:30"},
        ),
    ]
    for action, page, fields in forms:
        done = await visitor.submit(action, page, **fields)
        assert done.status == 303, (action, visitor.pages[-1][-600:])


async def switch_language(visitor: Visitor, language: str, back_to: str) -> None:
    token = await visitor.csrf(back_to)
    switched = await visitor.post(
        "/language", {"csrf_token": token, "language": language, "next": back_to}
    )
    assert switched.status == 303 and switched.headers["Location"] == back_to


async def test_every_page_renders_in_every_language(visitor: Visitor) -> None:
    await visitor.login(MOD_ID)
    await fill_every_section(visitor)
    for language in LANGUAGES:
        await switch_language(visitor, language, f"{G}/server")
        with use_locale(language):
            labels = {s.key: esc(_(s.label)) for s in SECTIONS}
            servers = esc(_("Your servers"))
        home = await visitor.get("/")
        assert home.status == 200 and html_lang(visitor.pages[-1]) == language.replace("_", "-")
        assert servers in visitor.pages[-1]
        for section in SECTIONS:
            resp = await visitor.get(f"{G}/{section.key}")
            page = visitor.pages[-1]
            assert resp.status == 200, (language, section.key, page[-800:])
            assert html_lang(page) == language.replace("_", "-"), section.key
            # the sidebar, and this page's own title, in the viewer's language
            for key, label in labels.items():
                assert f'id="nav-{key}"' in page and label in page, (language, key)
            if section.key != "pulse":  # the pulse page's own words are the pulse catalog's
                assert f"<title>{labels[section.key]} · " in page, (language, section.key)
        missing = await visitor.get("/g/not-a-server/server")
        assert missing.status == 404
        with use_locale(language):
            assert esc(_("That isn't a server link.")) in visitor.pages[-1]
    # the catalogs really translate (not the English source shown five times)
    with use_locale("ja"):
        assert _("Shoutouts") != "Shoutouts" and _("Server settings") != "Server settings"


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
async def test_a_services_field_error_comes_out_in_the_viewers_language(
    visitor: Visitor, language: str
) -> None:
    await visitor.login(MOD_ID)
    await switch_language(visitor, language, f"{G}/server")
    bad = await visitor.submit(f"{G}/server", f"{G}/server", timezone="Mars/Olympus")
    assert bad.status == 400
    with use_locale(language):
        label = _("Server time zone")
    expected = timezone_refusal(language)
    assert expected != timezone_refusal("en")  # the service's catalog really translates it
    page = visitor.pages[-1]
    found = re.search(r'id="error-server-timezone"[^>]*>(.*?)</p>', page, re.S)
    assert found, "no error under the time zone"
    assert as_text(found[1]) == expected
    assert esc(label) in page


async def test_the_discord_locale_at_login_picks_the_language(
    visitor: Visitor, fake: FakeDiscord
) -> None:
    fake.users[MOD_ID].locale = "pt-BR"
    await visitor.login(MOD_ID)
    await visitor.get(f"{G}/welcome")
    page = visitor.pages[-1]
    assert html_lang(page) == "pt-BR"
    with use_locale("pt_BR"):
        assert esc(_("Welcome & onboarding")) in page
    fake.users[MOD_ID].locale = "fr"  # a language Mutuals doesn't speak: English
    await visitor.post("/auth/logout", {"csrf_token": await visitor.csrf("/")})
    await visitor.login(MOD_ID)
    await visitor.get(f"{G}/welcome")
    assert html_lang(visitor.pages[-1]) == "en"


async def test_before_login_the_browser_language_is_used(visitor: Visitor) -> None:
    resp = await visitor.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert resp.status == 200 and html_lang(visitor.pages[-1]) == "ko"
    with use_locale("ko"):
        assert esc(_("Log in with Discord")) in visitor.pages[-1]
    # the switcher works before login too (with the session's CSRF token), and wins
    token = await visitor.csrf("/")
    switched = await visitor.post("/language", {"csrf_token": token, "language": "es"})
    assert switched.status == 303
    await visitor.get("/", headers={"Accept-Language": "ko"})
    assert html_lang(visitor.pages[-1]) == "es"
    forged = await visitor.post("/language", {"csrf_token": "nope", "language": "ja"})
    assert forged.status == 403
    unknown = await visitor.post("/language", {"csrf_token": token, "language": "klingon"})
    assert unknown.status == 400


def test_accept_language_is_read_by_preference() -> None:
    assert from_accept_language("fr-CA,fr;q=0.9,ja;q=0.8,en;q=0.7") == "ja"
    assert from_accept_language("en;q=0.2, pt-PT;q=0.9") == "pt_BR"
    assert from_accept_language("es-419") == "es"
    assert from_accept_language("ko;q=0, de") is None
    assert from_accept_language("") is None


def test_the_web_catalog_keeps_the_words_other_catalogs_already_use() -> None:
    """A language's domains merge into one catalog, in order (web last, the last one wins): a
    string the dashboard shares with a capability (the same rule, the same refusal) must read
    as it did without the web's catalog, or the web's wording would replace the bot's."""
    for language in LANGUAGES:
        if language == SOURCE:
            continue
        folder = LOCALES_DIR / language / "LC_MESSAGES"
        before: dict[str, object] = {}
        for domain in DOMAINS:
            path = folder / f"{domain}.po"
            if domain == "web" or not path.exists():
                continue
            with path.open("rb") as handle:
                for message in read_po(handle, locale=language):
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    if key and message.string:
                        before[key] = message.string
        with (folder / "web.po").open("rb") as handle:
            for message in read_po(handle, locale=language):
                key = message.id if isinstance(message.id, str) else message.id[0]
                if key in before:
                    assert message.string == before[key], (language, key)
