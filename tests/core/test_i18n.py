"""The bot's languages: shipped catalogs complete, slash commands localized validly for Discord,
and members reading their own language while public posts follow the server's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest
import re2
from babel.messages.pofile import read_po
from discord.app_commands import TranslationContextLocation as Where

from core.bot import AnyBot
from core.command_catalog import CHOICE_NAME, COMMAND_NAME, OPTION_NAME, command_entries, localize
from core.db import Database
from core.i18n import LOCALES_DIR, ngettext, translations, use_locale
from core.i18n_check import problems
from fakediscord import FakeDiscord
from services import languages
from tests.conftest import ALICE_ID, GUILD_ID, MOD_ID, BotFactory
from tests.util import eventually

#: Discord's rule for command and option names (CHAT_INPUT), as its API documents it:
#: ``^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$`` (the length is checked apart: RE2's DFA
#: runs out of memory on a bounded repeat of these classes)
NAME_CHARACTERS = re2.compile(r"^[-_\p{L}\p{N}\p{Devanagari}\p{Thai}]+$")


def valid_name(name: str) -> bool:
    return 1 <= len(name) <= 32 and NAME_CHARACTERS.match(name) is not None and name == name.lower()


#: the Discord locales Mutuals speaks besides English
LOCALES = ("es-ES", "es-419", "pt-BR", "ja", "ko")


def test_shipped_catalogs_have_no_problems() -> None:
    """No untranslated, fuzzy or missing entry, and no unknown {field}, in any language."""
    assert problems() == []


def test_translator_answers_in_each_language() -> None:
    assert localize("profile", discord.Locale.japanese, Where.command_name) == "プロフィール"
    assert localize("profile", discord.Locale.korean, Where.group_name) == "프로필"
    assert localize("profile", discord.Locale.spain_spanish, Where.command_name) == "perfil"
    assert localize("profile", discord.Locale.latin_american_spanish, Where.command_name) == (
        "perfil"
    )
    assert localize("timezone", discord.Locale.brazil_portuguese, Where.parameter_name) == (
        "fuso-horário"
    )
    assert localize("Monday", discord.Locale.korean, Where.choice_name) == "월요일"
    described = localize("Your creator profile", discord.Locale.japanese, Where.group_description)
    assert described == "あなたのクリエイタープロフィール"
    # English and the languages Mutuals doesn't speak keep Discord's default (the English)
    assert localize("profile", discord.Locale.american_english, Where.command_name) is None
    assert localize("profile", discord.Locale.french, Where.command_name) is None


def _localized(item: dict[str, Any], key: str, locale: str) -> str:
    return str((item.get(f"{key}_localizations") or {}).get(locale, item[key]))


def _check_level(items: list[dict[str, Any]], where: str, found: list[str]) -> None:
    """Names valid, lowercase and unique among siblings; descriptions and choices within
    Discord's 100 characters, in every locale."""
    for locale in LOCALES:
        names = [_localized(item, "name", locale) for item in items]
        for name in names:
            if not valid_name(name):
                found.append(f"{locale} {where}: invalid name {name!r}")
        if len(set(names)) != len(names):
            found.append(f"{locale} {where}: duplicate names {sorted(names)}")
        for item in items:
            description = _localized(item, "description", locale)
            if not 1 <= len(description) <= 100:
                found.append(f"{locale} {where} {item['name']}: description {description!r}")
            for choice in item.get("choices") or ():
                shown = _localized(choice, "name", locale)
                if not 1 <= len(shown) <= 100:
                    found.append(f"{locale} {where} {item['name']}: choice {shown!r}")
    for item in items:
        if item.get("options"):
            _check_level(item["options"], f"{where} {item['name']}", found)


async def test_synced_commands_are_localized_and_valid_for_discord(
    fake: FakeDiscord, bot: AnyBot
) -> None:
    synced = fake.guild_commands[GUILD_ID]
    found: list[str] = []
    _check_level(synced, "/", found)
    assert found == []
    profile = next(c for c in synced if c["name"] == "profile")
    assert profile["name_localizations"]["ja"] == "プロフィール"
    assert profile["name_localizations"]["es-419"] == "perfil"
    assert profile["description_localizations"]["ko"] == "내 크리에이터 프로필"
    set_ = next(o for o in profile["options"] if o["name"] == "set")
    followers = next(o for o in set_["options"] if o["name"] == "followers")
    assert followers["name_localizations"]["pt-BR"] == "seguidores"
    under = next(c for c in followers["choices"] if c["value"] == "under-1k")
    assert under["name_localizations"]["ja"] == "1k未満"


async def test_commands_template_matches_the_command_tree(bot: AnyBot) -> None:
    """A command added or renamed without ``dev.py i18n extract commands`` fails here."""
    with (LOCALES_DIR / "commands.pot").open("rb") as handle:
        template = read_po(handle)
    written = {(m.context, m.id) for m in template if m.id}
    wanted = {(e.context, e.message) for e in command_entries(bot.tree.get_commands())}
    assert wanted - written == set(), "run: python3 dev.py i18n extract commands"
    assert {c for c, _ in written} <= {None, COMMAND_NAME, OPTION_NAME, CHOICE_NAME}


@pytest.mark.parametrize(
    ("language", "one", "two", "five"),
    [
        ("en", "Pick up to 1 niche", "Pick up to 2 niches", "Pick up to 5 niches"),
        ("es", "Elige hasta 1 nicho:", "Elige hasta 2 nichos", "Elige hasta 5 nichos"),
        ("pt_BR", "Escolhe até 1 nicho:", "Escolhe até 2 nichos", "Escolhe até 5 nichos"),
        ("ja", "ジャンルは1つまで", "ジャンルは2つまで", "ジャンルは5つまで"),
        ("ko", "분야는 1개까지", "분야는 2개까지", "분야는 5개까지"),
    ],
)
def test_plural_forms_follow_the_language(language: str, one: str, two: str, five: str) -> None:
    def text(n: int) -> str:
        with use_locale(language):
            return ngettext(
                "Pick up to {n} niche: respect the niche!",
                "Pick up to {n} niches: respect the niche!",
                n,
            )

    assert text(1).startswith(one) and text(2).startswith(two) and text(5).startswith(five)


def test_numbers_follow_the_language() -> None:
    with use_locale("pt_BR"):
        # no entry: English words, Brazilian digits
        assert ngettext("{n} widget", "{n} widgets", 12345) == "12.345 widgets"
    with use_locale("en"):
        assert ngettext("{n} widget", "{n} widgets", 12345) == "12,345 widgets"


async def test_japanese_member_in_a_korean_server_reads_japanese(
    fake: FakeDiscord, db: Database, bot_factory: BotFactory
) -> None:
    fake.guilds[GUILD_ID].preferred_locale = "ko"
    fake.users[ALICE_ID].locale = "ja"
    await bot_factory()
    # the server's own Discord locale is recorded as the gateway tells it: its posts are Korean
    await eventually(
        lambda: _is(languages.server_language(db, GUILD_ID), "ko"), what="server language"
    )

    saved = await fake.slash(
        GUILD_ID,
        ALICE_ID,
        "profile set",
        {"handle": "@sakura_vlog", "niche": "Beauty", "followers": "1k-10k"},
    )
    await saved.response()
    assert saved.ephemeral and "保存したよ！" in (saved.content or "")
    embed = saved.embeds[0]
    assert embed["title"] == "alice さんのクリエイタープロフィール"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["ジャンル"] == "Beauty" and fields["フォロワー規模"] == "1k–10k"
    assert embed["footer"]["text"] == "/profile set で自分のプロフィールを更新しよう"

    refused = await fake.slash(GUILD_ID, ALICE_ID, "profile set", {"handle": "not a handle!"})
    await refused.response()
    assert "はTikTokのユーザー名ではありません" in (refused.content or "")

    # her language is remembered (once) for the DMs a schedule sends her later
    await eventually(
        lambda: _is(languages.member_language(db, GUILD_ID, ALICE_ID), "ja"),
        what="member language stored",
    )


async def _is(value: Any, expected: str) -> bool:
    return bool(await value == expected)


async def test_config_language_sets_the_language_of_public_posts(
    fake: FakeDiscord, db: Database, bot: AnyBot
) -> None:
    assert await languages.server_language(db, GUILD_ID) == "en"
    h = await fake.slash(GUILD_ID, MOD_ID, "config language", {"language": "ko"})
    await h.response()
    assert h.ephemeral and "한국어 (chosen with /config language)" in (h.content or "")
    assert await languages.server_language(db, GUILD_ID) == "ko"
    # what the bot writes for everyone is built in the server's language (welcome, shoutouts…
    # wrap their public posts in use_locale(server_language)): here, the shared fallback name
    with use_locale(await languages.server_language(db, GUILD_ID)):
        from core.i18n import _
        from services.directory import FALLBACK_MEMBER

        assert _(FALLBACK_MEMBER) == "맞팔 친구"

    shown = await fake.slash(GUILD_ID, MOD_ID, "config show")
    await shown.response()
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Language of public posts"] == "한국어 (chosen with /config language)"

    back = await fake.slash(GUILD_ID, MOD_ID, "config language", {"language": "discord"})
    await back.response()
    assert "(following the server's Discord locale)" in (back.content or "")
    assert await languages.server_language(db, GUILD_ID) == "en"  # the fake guild is en-US

    member = await fake.slash(GUILD_ID, ALICE_ID, "config language", {"language": "ja"})
    await member.response()
    assert "moderators only" in (member.content or "")
    assert await languages.server_language(db, GUILD_ID) == "en"


async def test_erasing_a_member_erases_their_language(db: Database) -> None:
    from core.clock import ManualClock
    from services.niches import NicheService
    from services.profiles import ProfileService

    await languages.remember_member_languages(db, [(GUILD_ID, ALICE_ID, "ko")])
    assert await languages.member_language(db, GUILD_ID, ALICE_ID) == "ko"
    profiles = ProfileService(db, ManualClock(), NicheService(db))
    assert await profiles.delete(GUILD_ID, ALICE_ID) >= 1
    assert await languages.member_language(db, GUILD_ID, ALICE_ID) == "en"


def test_code_reads_the_catalog_its_strings_are_extracted_to() -> None:
    """core.i18n.domain_of mirrors dev.py's extraction map, so a capability's own translation
    of a shared English sentence ("Question {number}") is the one its code reads."""
    import dev
    from core.i18n import domain_of

    root = Path(dev.__file__).resolve().parent
    for domain, paths in dev.I18N_DOMAINS.items():
        for path in paths:
            files = [root / path] if path.endswith(".py") else (root / path).rglob("*.py")
            for file in files:
                module = ".".join(file.relative_to(root).with_suffix("").parts)
                assert domain_of(module) == domain, module


def test_a_capability_reads_its_own_words_first() -> None:
    from core.i18n import domain_catalog

    checkins = domain_catalog("ko", "checkins")
    quizzes = domain_catalog("ko", "quizzes")
    assert checkins is not None and quizzes is not None
    assert checkins.gettext("Question {number}") != quizzes.gettext("Question {number}")


def test_language_names_in_themselves_are_cldrs() -> None:
    """The endonyms kept as constants (no locale data loaded at start-up) are babel's own."""
    from babel import Locale

    from core.i18n import ENDONYMS, LANGUAGES, language_name

    assert set(ENDONYMS) == set(LANGUAGES)
    for code in LANGUAGES:
        assert ENDONYMS[code] == Locale.parse(code).get_display_name(code)
        assert language_name(code) == ENDONYMS[code]
    assert language_name("ja", in_language="en") == "Japanese"


async def test_catalogs_read_for_the_command_sync_are_let_go_until_someone_speaks(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    """The sync localizes every command into every language; those catalogs are dropped after
    it and a language loads again when a member speaks it."""
    fake.users[ALICE_ID].locale = "ja"
    await bot_factory()
    assert fake.guild_commands[GUILD_ID][0].get("name_localizations")  # the sync localized
    assert translations.cache_info().currsize == 0
    shown = await fake.slash(GUILD_ID, ALICE_ID, "profile show")
    await shown.response()
    assert translations.cache_info().currsize == 1  # Japanese, loaded on first use
