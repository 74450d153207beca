"""The pulse of a Korean server in headless Chromium, for a moderator whose Discord language
Mutuals doesn't speak: the page, its charts (real images, drawn in Korean) and the weekly post
form read Korean. The screenshot is written to tests/artifacts/screenshots/pulse-ko.png."""

from __future__ import annotations

import asyncio
import tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from core.bot import AnyBot
from core.db import Database
from fakediscord import FakeDiscord
from services import languages
from tests.conftest import GUILD_ID, MOD_ID
from tests.pulse.seed import seed_week
from tests.web.browser import screenshot, start_chromium
from tests.web.conftest import dashboard_of

WAIT = 20


def korean_pulse(base: str) -> str:
    profile = tempfile.TemporaryDirectory(prefix="mutuals-chromium-")
    driver = start_chromium(profile)
    wait = WebDriverWait(driver, WAIT)
    try:
        driver.get(f"{base}/g/{GUILD_ID}/pulse?week=2026-W02")
        wait.until(ec.element_to_be_clickable((By.ID, "authorize")))
        driver.find_element(By.ID, "authorize").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "week-label"), "2026년 1월 5일"))
        wait.until(
            lambda d: all(
                d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", i)
                for i in d.find_elements(By.CSS_SELECTOR, ".chart img")
            )
        )
        assert len(driver.find_elements(By.CSS_SELECTOR, ".chart img")) == 5
        assert driver.find_element(By.TAG_NAME, "h1").text == "커뮤니티 펄스"
        assert "주간 펄스 게시" in driver.find_element(By.ID, "weekly-post").text
        return str(screenshot(driver, "pulse-ko"))
    finally:
        driver.quit()
        profile.cleanup()


async def test_a_korean_servers_pulse_in_a_browser(
    web_bot: AnyBot, fake: FakeDiscord, db: Database
) -> None:
    await seed_week(db, guild_name=False)
    await languages.choose_server_language(db, GUILD_ID, "ko")
    fake.users[MOD_ID].locale = "fr"
    fake.oauth.login_as(MOD_ID)
    shot = await asyncio.to_thread(korean_pulse, dashboard_of(web_bot).url)
    print(f"\nthe Korean pulse: {shot}")
