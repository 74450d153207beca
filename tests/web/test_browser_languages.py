"""A Japanese moderator in a real browser (headless Chromium): logs in through the fake
Discord's OAuth (their Discord client is in Japanese), sees the dashboard in Japanese, switches
to Korean in the footer, saves a wrong time zone and reads the field's error in Korean.
Screenshots: tests/artifacts/screenshots/web_ja_*.png."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from core.bot import AnyBot
from core.errors import DomainError
from core.i18n import _, use_locale
from fakediscord import FakeDiscord
from services.container import Services
from services.profiles import validate_timezone
from tests.conftest import GUILD_ID, MOD_ID
from tests.web.browser import SCREENSHOTS, screenshot, start_chromium
from tests.web.conftest import dashboard_of

WAIT = 20
BAD_ZONE = "Mars/Olympus"


def words(language: str, *messages: str) -> list[str]:
    with use_locale(language):
        return [_(m) for m in messages]


def zone_refusal(language: str) -> str:
    with use_locale(language):
        try:
            validate_timezone(BAD_ZONE)
        except DomainError as exc:
            return exc.message.replace("**", "").replace("`", "")
    raise AssertionError(f"{BAD_ZONE} was accepted")


def japanese_moderator(base: str) -> Callable[[], list[str]]:
    """What the moderator does in the browser (blocking: run in a thread)."""
    welcome_ja, server_ja, nav_ja = words(
        "ja", "Welcome & onboarding", "Server settings", "Quizzes"
    )
    (server_ko,) = words("ko", "Server settings")
    refusal_ko = zone_refusal("ko")

    def run() -> list[str]:
        shots: list[str] = []
        profile = tempfile.TemporaryDirectory(prefix="mutuals-chromium-")
        driver = start_chromium(profile)
        wait = WebDriverWait(driver, WAIT)

        def lang() -> str:
            return str(driver.find_element(By.TAG_NAME, "html").get_attribute("lang"))

        try:
            driver.get(f"{base}/g/{GUILD_ID}/welcome")
            wait.until(ec.element_to_be_clickable((By.ID, "authorize")))
            driver.find_element(By.ID, "authorize").click()
            wait.until(ec.presence_of_element_located((By.ID, "message-template")))
            assert lang() == "ja"
            assert driver.find_element(By.TAG_NAME, "h1").text == welcome_ja
            assert driver.find_element(By.ID, "nav-quizzes").text.endswith(nav_ja)
            shots.append(str(screenshot(driver, "web_ja_1-welcome")))

            driver.find_element(By.ID, "nav-server").click()
            wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), server_ja))
            shots.append(str(screenshot(driver, "web_ja_2-server")))

            # the footer's switcher: Korean from now on, on this same page
            Select(driver.find_element(By.ID, "language")).select_by_value("ko")
            driver.find_element(By.ID, "language-save").click()
            wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), server_ko))
            assert lang() == "ko"

            zone = driver.find_element(By.ID, "server-timezone")
            zone.clear()
            zone.send_keys(BAD_ZONE)
            driver.find_element(By.ID, "server-save").click()
            error = wait.until(ec.presence_of_element_located((By.ID, "error-server-timezone")))
            assert error.text == refusal_ko, (error.text, refusal_ko)
            assert lang() == "ko"
            shots.append(str(screenshot(driver, "web_ja_3-korean-field-error")))
            return shots
        finally:
            driver.quit()
            profile.cleanup()

    return run


async def test_a_japanese_moderator_switches_to_korean_and_reads_the_error_in_korean(
    web_bot: AnyBot, fake: FakeDiscord
) -> None:
    fake.users[MOD_ID].locale = "ja"
    fake.oauth.login_as(MOD_ID)
    shots = await asyncio.to_thread(japanese_moderator(dashboard_of(web_bot).url))
    print(f"\nscreenshots of the dashboard in Japanese and Korean: {SCREENSHOTS}/web_ja_*.png")
    assert len(shots) == 3
    cfg = await web_bot.need(Services).guild_config.get(GUILD_ID)
    assert cfg.timezone == "UTC"  # the refused zone changed nothing
