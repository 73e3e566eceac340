"""The browser rig: Debian's Chromium driven by Playwright (no browser download), the
instance served by a real Hypercorn on a free loopback port, axe-core from npm for the
accessibility check, and screenshots written to ``test-artifacts/screenshots/`` at the
top of the checkout, where a failing run can be looked at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.async_api import Error as PlaywrightError

from fediserver.local_accounts import create_local_account
from fediserver.models import Account
from tests.interop.served_instance import ServedInstance
from tests.web.conftest import artwork, chunks

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
HERE = Path(__file__).resolve().parent
AXE_SCRIPT = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = HERE.parents[1] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
async def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: `make test` installs it (cd tests/browser && npm ci)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def site(db, tmp_path):
    """The instance on a free port, with its jobs running (deliveries reach real peers)."""
    data = tmp_path / "data"
    sections = {"instance": {"data_dir": str(data), "name": "Inkwell Collective",
                             "description": "Printmakers and painters sharing their work.",
                             "rules": ["Post only your own work.", "Describe every image.", "No AI-generated images."]}}
    async with ServedInstance(db, sections=sections, run_jobs=True) as served:
        yield served


@pytest.fixture
async def ada(site) -> Account:
    account = await create_local_account(site.services.urls, "ada", display_name="Ada Lindqvist", password=PASSWORD)
    account.summary = "<p>Etcher and printmaker. Harbours, boats and the sea.</p>"
    account.profile_fields = [{"name": "Shop", "value": "https://prints.example"}]
    account.discoverable = True
    await account.save()
    return account


@pytest.fixture
async def page(browser):
    context = await browser.new_context(viewport=DESKTOP)
    tab = await context.new_page()
    yield tab
    await context.close()


async def add_works(site, artist: Account, count: int, *, prefix: str = "Study", size=(600, 420)) -> list:
    """``count`` works, oldest first, as the studio makes them."""
    from outbox import portfolio

    posts = []
    for index in range(count):
        media = await site.services.media.accept_upload(
            artist, chunks(artwork(size=size, seed=index)), declared_type="image/jpeg",
            description=f"{prefix} number {index + 1}: lines and washes",
        )
        posts.append(await portfolio.publish_work(
            artist, f"{prefix} {index + 1}\n\nDrypoint on paper.", media=[media], notes=site.services.notes,
            facets={"medium": ["drypoint"]},
        ))
    return posts


async def sign_in(page, site, name: str = "ada", next_path: str = "/studio") -> None:
    await page.goto(f"{site.base_url}/auth/sign_in?next={next_path}")
    await page.fill("#username", name)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{site.base_url}{next_path}")


async def photograph(page, kind: str) -> None:
    """Screenshots of the page at phone and desktop widths (``test-artifacts/screenshots``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(viewport)
        # Let Chromium lay out and paint at the new size first: on a busy machine a capture
        # asked for before the next frame fails with "Unable to capture screenshot".
        await page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        path = SCREENSHOTS / f"{kind}-{label}.png"
        try:
            await page.screenshot(path=path, full_page=True)
        except PlaywrightError:
            await page.wait_for_timeout(500)
            await page.screenshot(path=path, full_page=True)
    await page.set_viewport_size(DESKTOP)


async def axe_violations(page) -> list[dict]:
    """Serious and critical accessibility violations axe-core finds on the page."""
    await page.add_script_tag(path=str(AXE_SCRIPT))
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


def keep_copy(kind: str, destination: Path) -> None:
    shutil.copy(SCREENSHOTS / f"{kind}-desktop.png", destination)


from tests.interop.conftest import fedify_peer  # noqa: E402,F401  (the Fedify peer, one per module)
