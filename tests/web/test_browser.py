"""A moderator in a real browser (headless Chromium): logs in through Discord's OAuth (the
fake's consent page), changes the welcome message with its live preview, and a newcomer who
joins next is welcomed with it; also opens every section, and the pulse of a seeded week.
Screenshots of each page are written to tests/artifacts/screenshots/ (the path is printed)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from core.bot import AnyBot
from core.db import Database
from fakediscord import FakeDiscord
from services.container import Services
from tests.conftest import GENERAL_ID, GUILD_ID, MOD_ID
from tests.pulse.seed import seed_week
from tests.web.browser import SCREENSHOTS, screenshot, start_chromium
from tests.web.conftest import dashboard_of

NEWCOMER = 2_000_000_000_000_000_077
PULSE_WEEK = "2026-W02"
WAIT = 20


def moderator_session(base: str, fake: FakeDiscord) -> Callable[[], list[str]]:
    """What the moderator does in the browser (blocking: run in a thread)."""

    me = fake.users[MOD_ID].name

    def run() -> list[str]:
        shots: list[str] = []
        profile = tempfile.TemporaryDirectory(prefix="mutuals-chromium-")
        driver = start_chromium(profile)
        wait = WebDriverWait(driver, WAIT)
        try:
            driver.get(base + "/")
            wait.until(ec.element_to_be_clickable((By.ID, "login")))
            shots.append(str(screenshot(driver, "01-login")))
            # a bookmarked page: Discord's login first, then back to that very page
            driver.get(f"{base}/g/{GUILD_ID}/welcome")
            wait.until(ec.element_to_be_clickable((By.ID, "authorize")))
            assert driver.find_element(By.ID, "who").text == me
            shots.append(str(screenshot(driver, "02-discord-consent")))
            driver.find_element(By.ID, "authorize").click()
            # back on the page asked for, logged in
            wait.until(ec.presence_of_element_located((By.ID, "message-template")))
            assert driver.find_element(By.ID, "viewer-name").text == me

            Select(driver.find_element(By.ID, "basics-channel")).select_by_value(str(GENERAL_ID))
            driver.find_element(By.ID, "basics-save").click()
            wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "Welcomes go to"))

            area = driver.find_element(By.ID, "message-template")
            area.clear()
            area.send_keys("Welcome to {server}, {member}! You're creator #{count} {nope}")
            wait.until(ec.text_to_be_present_in_element((By.ID, "preview-error"), "{nope}"))
            shots.append(str(screenshot(driver, "03-welcome-preview-error")))
            area.clear()
            area.send_keys("Hey mutual {member}! Welcome to {server}, creator #{count} 💞")
            wait.until(
                ec.text_to_be_present_in_element((By.ID, "preview-body"), f"Hey mutual @{me}!")
            )
            assert driver.find_element(By.ID, "preview-error").text == ""
            shots.append(str(screenshot(driver, "04-welcome-live-preview")))
            driver.find_element(By.ID, "message-save").click()
            wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "Welcome message saved"))
            shots.append(str(screenshot(driver, "05-welcome-saved")))

            for n, section in enumerate(
                ("server", "shoutouts", "collabs", "quizzes", "checkins"), start=6
            ):
                driver.find_element(By.ID, f"nav-{section}").click()
                wait.until(
                    ec.presence_of_element_located((By.CSS_SELECTOR, f"#nav-{section}.current"))
                )
                shots.append(str(screenshot(driver, f"{n:02d}-{section}")))

            driver.find_element(By.ID, "nav-server").click()
            zone = wait.until(ec.presence_of_element_located((By.ID, "server-timezone")))
            zone.clear()
            zone.send_keys("Mars/Olympus")
            driver.find_element(By.ID, "server-save").click()
            wait.until(ec.presence_of_element_located((By.ID, "error-server-timezone")))
            shots.append(str(screenshot(driver, "11-server-field-error")))

            # the pulse: a seeded week, its charts drawn (real images), a CSV link per table
            driver.find_element(By.ID, "nav-pulse").click()
            wait.until(ec.presence_of_element_located((By.ID, "week-label")))
            driver.get(f"{base}/g/{GUILD_ID}/pulse?week={PULSE_WEEK}")
            wait.until(ec.text_to_be_present_in_element((By.ID, "tile-joined"), "2/5"))
            wait.until(
                lambda d: all(
                    d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", i)
                    for i in d.find_elements(By.CSS_SELECTOR, ".chart img")
                )
            )
            widths = [
                driver.execute_script("return arguments[0].naturalWidth", img)
                for img in driver.find_elements(By.CSS_SELECTOR, ".chart img")
            ]
            assert len(widths) == 5 and all(w == 640 for w in widths), widths
            assert driver.find_element(By.ID, "csv-funnel").get_attribute("href")
            shots.append(str(screenshot(driver, "12-pulse")))
            driver.find_element(By.ID, "week-before").click()
            wait.until(ec.text_to_be_present_in_element((By.ID, "week-label"), "Dec 29"))

            driver.find_element(By.ID, "logout").click()
            wait.until(ec.element_to_be_clickable((By.ID, "login")))
            return shots
        finally:
            driver.quit()
            profile.cleanup()

    return run


async def test_moderator_changes_the_welcome_in_a_browser_and_newcomers_get_it(
    web_bot: AnyBot, fake: FakeDiscord, db: Database
) -> None:
    await seed_week(db, guild_name=False)
    fake.oauth.login_as(MOD_ID)
    base = dashboard_of(web_bot).url
    shots = await asyncio.to_thread(moderator_session(base, fake))
    print(f"\nscreenshots of the dashboard: {SCREENSHOTS}/ ({len(shots)} pages)")
    assert len(shots) == 12

    settings = await web_bot.need(Services).welcome.settings(GUILD_ID)
    assert settings.channel_id == GENERAL_ID and settings.custom_template
    cfg = await web_bot.need(Services).guild_config.get(GUILD_ID)
    assert cfg.timezone == "UTC"  # the refused zone changed nothing

    fake.add_member(GUILD_ID, NEWCOMER, "fresh_face")

    def welcomed() -> list[dict[str, Any]]:
        return [m for m in fake.messages(GENERAL_ID) if f"<@{NEWCOMER}>" in m["content"]]

    posts = await fake.wait_for(welcomed, timeout=15, message="the public welcome")
    assert posts[0]["content"].startswith(f"Hey mutual <@{NEWCOMER}>! Welcome to Creator Fam")
