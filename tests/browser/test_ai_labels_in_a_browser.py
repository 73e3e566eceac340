"""An AI-labelled image in Chromium: its badge shows, the image stays folded behind its
placeholder until the visitor opens it, and the page passes axe-core."""

from __future__ import annotations

import pytest

from fediserver.local_accounts import create_local_account
from outbox import portfolio
from tests.browser.conftest import PASSWORD, axe_violations, photograph
from tests.interop.served_instance import ServedInstance
from tests.media.test_remote_media import ai_jpeg
from tests.web.conftest import artwork, chunks

pytestmark = pytest.mark.browser


@pytest.fixture
async def labelling_site(db, tmp_path):
    sections = {"instance": {"data_dir": str(tmp_path / "data"), "name": "Inkwell Collective"},
                "protection": {"ai_generated_local": "label"}}
    async with ServedInstance(db, sections=sections) as served:
        yield served


async def test_a_labelled_image_is_folded_until_opened(page, labelling_site):
    site = labelling_site
    ada = await create_local_account(site.services.urls, "ada", display_name="Ada Lindqvist", password=PASSWORD)
    media = [
        await site.services.media.accept_upload(ada, chunks(ai_jpeg()), declared_type="image/jpeg",
                                                description="dunes at noon"),
        await site.services.media.accept_upload(ada, chunks(artwork(seed=2)), declared_type="image/jpeg",
                                                description="the same dunes, drawn"),
    ]
    post = await portfolio.publish_work(ada, "Dunes\n\nTwo takes.", media=media, notes=site.services.notes)

    await page.goto(f"{site.base_url}/@ada/{post.pk}")
    labelled = page.locator("img[alt='dunes at noon']")
    drawn = page.locator("img[alt='the same dunes, drawn']")
    badge = page.locator(".ai-fold summary .ai-label")
    assert await badge.inner_text() == "AI-generated"
    assert "trainedAlgorithmicMedia" in await badge.get_attribute("title")
    assert not await labelled.is_visible() and await drawn.is_visible()
    assert not await violations_of(page)
    await photograph(page, "work-ai-labelled")

    await page.click(".ai-fold summary")
    assert await labelled.is_visible()
    assert not await violations_of(page)

    # The artist's own portfolio grid shows the placeholder and the badge, not the image.
    await page.goto(f"{site.base_url}/@ada")
    card = page.locator(".work-card").first
    assert await card.locator(".ai-label").inner_text() == "AI-generated"
    assert await card.locator("img").count() == 0


async def violations_of(page) -> list[dict]:
    return await axe_violations(page)
