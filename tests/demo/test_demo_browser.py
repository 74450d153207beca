"""The demo in a real browser (headless Chromium): the simulated server with the real bot
process, as a newcomer onboarding through the welcome DM, a quiz round, a check-in, and the
shoutouts and collab threads the fam's week produced. Screenshots: demo_*.png."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from demo.run import Demo
from tests.web.browser import screenshot, start_chromium

NEWCOMER = "Ivy"  # PlantTok, DMs open: joins when the browser picks her


def wait(driver: WebDriver, seconds: float = 60) -> WebDriverWait:
    return WebDriverWait(
        driver, seconds, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException]
    )


def click(driver: WebDriver, by: str, selector: str, seconds: float = 60) -> None:
    """Click once it is there; the live feed may redraw it meanwhile (then find it again)."""

    def clicked(d: WebDriver) -> bool:
        found = [e for e in d.find_elements(by, selector) if e.is_enabled() and e.is_displayed()]
        if not found:
            return False
        found[-1].click()
        return True

    wait(driver, seconds).until(clicked)


def click_button(driver: WebDriver, text: str, seconds: float = 60) -> None:
    xpath = f"//div[@id='feed']//button[contains(normalize-space(.), \"{text}\")]"
    click(driver, By.XPATH, xpath, seconds)


def act_as(driver: WebDriver, name: str) -> None:
    picker = Select(driver.find_element(By.ID, "you-are"))
    label = next(o.text for o in picker.options if o.text.startswith(f"{name} ·"))
    picker.select_by_visible_text(label)
    wait(driver).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".me"), name))


def run_command(driver: WebDriver, path: str, **options: str) -> None:
    composer = driver.find_element(By.ID, "composer")
    composer.clear()
    composer.send_keys(f"/{path}")
    item = wait(driver).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, f".cmd-item[data-path='{path}']"))
    )
    item.click()
    form = driver.find_element(By.ID, "command-form")
    for name, value in options.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_visible_text(value)
        else:
            field.send_keys(value)
    driver.find_element(By.ID, "command-send").click()


def check_in(driver: WebDriver) -> None:
    """/checkin now, a mood, the form filled and sent; its reply seen."""
    run_command(driver, "checkin now")
    click_button(driver, "Good")
    wait(driver).until(ec.visibility_of_element_located((By.ID, "modal-form")))
    for label in driver.find_elements(By.CSS_SELECTOR, "#modal-form label"):
        fields = label.find_elements(By.CSS_SELECTOR, "input, textarea")
        if fields:
            text = label.text.lower()
            fields[0].clear()
            if "how many" in text:
                fields[0].send_keys("2")
            elif "link" in text:
                fields[0].send_keys("https://www.tiktok.com/@ivy.and.leaves/video/7400")
            else:
                fields[0].send_keys("Posted my first time-lapse!")
    driver.find_element(By.ID, "modal-submit").click()
    # "Checked in!", or "Updated" when the first try was saved but its reply never came
    wait(driver, 45).until(
        lambda d: any(t in d.find_element(By.ID, "feed").text for t in ("Checked in!", "Updated"))
    )


def open_channel(driver: WebDriver, name: str) -> None:
    link = wait(driver).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, f"#sidebar a[data-name='{name}']"))
    )
    link.click()
    wait(driver).until(ec.title_contains(name if name != "dm" else "DM"))


def browse(url: str) -> list[Path]:
    profile = tempfile.TemporaryDirectory()
    driver = start_chromium(profile)
    shots: list[Path] = []
    try:
        driver.get(url)
        wait(driver).until(ec.presence_of_element_located((By.ID, "feed")))

        # a newcomer joins (picking her in "you are") and onboards through the welcome DM
        act_as(driver, NEWCOMER)
        open_channel(driver, "dm")
        picker = wait(driver).until(
            ec.presence_of_element_located(
                (By.CSS_SELECTOR, "select[data-custom-id^='mutuals:wel:pick']")
            )
        )
        plant = next(o for o in Select(picker).options if "PlantTok" in o.text)
        Select(picker).select_by_visible_text(plant.text)
        driver.find_element(By.CSS_SELECTOR, "button.pick").click()
        click_button(driver, "Add my TikTok")
        wait(driver).until(ec.visibility_of_element_located((By.ID, "modal-form")))
        driver.find_element(By.NAME, "handle").send_keys("@ivy.and.leaves")
        driver.find_element(By.NAME, "intro").send_keys("Rare aroids on a budget 🪴")
        ages = driver.find_elements(By.CSS_SELECTOR, "#modal-form select[name='age']")
        if ages:
            Select(ages[0]).select_by_index(0)
        driver.find_element(By.ID, "modal-submit").click()
        click_button(driver, "respect the niche")
        wait(driver).until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, "#feed button[data-custom-id]")
        )
        shots.append(screenshot(driver, "demo_onboarding"))
        open_channel(driver, "welcome")
        wait(driver).until(ec.text_to_be_present_in_element((By.ID, "feed"), "@Ivy"))
        wait(driver).until(
            lambda d: any(
                img.get_attribute("naturalWidth") not in (None, "0")
                for img in d.find_elements(By.CSS_SELECTOR, "#feed img")
            )
        )
        shots.append(screenshot(driver, "demo_welcome"))

        # a quiz round, typed as a slash command with its options
        open_channel(driver, "quizzes")
        run_command(driver, "quiz start", questions="5")
        wait(driver).until(ec.text_to_be_present_in_element((By.ID, "feed"), "Question 1"))
        composer = driver.find_element(By.ID, "composer")
        composer.send_keys("sound\n")  # a typed question is answered in the chat
        choice = "#feed button[data-custom-id^='mutuals:qz:']:not([disabled])"
        click(driver, By.CSS_SELECTOR, choice, 180)
        wait(driver).until(ec.text_to_be_present_in_element((By.ID, "feed"), "Locked in"))
        shots.append(screenshot(driver, "demo_quiz"))

        # a check-in: opt in, then open it, pick a mood and answer the form (from #general:
        # #check-ins is busy with everyone's prompts)
        # (the clock paused while she fills it in, as a person would: at a day a minute, a
        # slow form on a busy machine could outlive the day's check-in)
        open_channel(driver, "general")
        driver.find_element(By.CSS_SELECTOR, "[data-clock='pause']").click()
        wait(driver).until(ec.text_to_be_present_in_element((By.ID, "clock-mode"), "paused"))
        run_command(driver, "checkin optin", how="DM me")
        wait(driver).until(ec.text_to_be_present_in_element((By.ID, "feed"), "Only you"))
        for attempt in range(2):
            try:
                check_in(driver)
                break
            except TimeoutException:
                if attempt:
                    raise
                # a member whose answer got no reply opens the check-in again (seen once in a
                # while on a loaded machine: the bot's gateway fell tens of seconds behind)
                print("the check-in got no answer; opening it again, as a member would")
        shots.append(screenshot(driver, "demo_checkin"))
        driver.find_element(By.CSS_SELECTOR, "[data-clock='run']").click()
        wait(driver).until(ec.text_to_be_present_in_element((By.ID, "clock-mode"), "×"))

        # what the week made: a shoutout, and (as a moderator) the collab threads
        open_channel(driver, "shoutouts")
        wait(driver).until(ec.text_to_be_present_in_element((By.ID, "feed"), "spotlight"))
        shots.append(screenshot(driver, "demo_shoutout"))
        act_as(driver, "Mia")
        thread = wait(driver, 90).until(
            ec.element_to_be_clickable((By.CSS_SELECTOR, "#sidebar a.thread"))
        )
        thread.click()
        wait(driver).until(ec.text_to_be_present_in_element((By.ID, "feed"), "collab"))
        wait(driver).until(ec.text_to_be_present_in_element((By.ID, "feed"), "mutual"))
        shots.append(screenshot(driver, "demo_collab_thread"))

        # the clock's controls
        driver.find_element(By.CSS_SELECTOR, "[data-clock='pause']").click()
        wait(driver).until(ec.text_to_be_present_in_element((By.ID, "clock-mode"), "paused"))
        shots.append(screenshot(driver, "demo_paused"))
    except Exception:
        print(
            "modal open:",
            driver.execute_script("return document.getElementById('modal').open"),
            driver.execute_script("return document.getElementById('modal-form').innerText"),
            "notice:",
            driver.execute_script("return document.getElementById('notice').textContent"),
        )
        screenshot(driver, "demo_failure")  # what the page showed when a step didn't happen
        raise
    finally:
        driver.quit()
        profile.cleanup()
    return shots


async def test_the_demo_in_a_browser(tmp_path: Path) -> None:
    demo = Demo(workdir=tmp_path / "demo", port=0)
    await demo.start()
    try:
        await demo.set_up()
        shots = await asyncio.to_thread(browse, demo.view.url)
    finally:
        await demo.stop()
    assert all(p.stat().st_size > 10_000 for p in shots)
    fake = demo.world.fake
    assert not fake.unhandled, fake.unhandled
    assert not fake.limit_violations, fake.limit_violations
