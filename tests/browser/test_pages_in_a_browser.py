"""The pages in a real browser: a visitor reading the collective, a portfolio, a work and
a series and following the pager; an artist uploading, arranging and making a series; a
signed-out visitor kept out of the studio; every page kind checked by axe-core and
photographed at phone and desktop widths."""

from __future__ import annotations

import re

import pytest

from fediserver.models import Post
from fediserver.models.portfolio import Series, SeriesWork
from outbox import portfolio
from tests.browser.conftest import add_works, axe_violations, photograph, sign_in
from tests.web.conftest import artwork

pytestmark = pytest.mark.browser


async def test_a_visitor_reads_the_collective_a_portfolio_a_work_and_a_series(page, site, ada):
    works = await add_works(site, ada, 33)
    series = await portfolio.create_series(ada, "Harbour suite", "Three plates of the old port.",
                                           media_url=site.services.notes.media_url)
    await portfolio.set_series_works(series, ada, [works[2].pk, works[0].pk, works[1].pk],
                                     media_url=site.services.notes.media_url)

    await page.goto(site.base_url + "/")
    assert await page.inner_text("h1") == "Inkwell Collective"
    assert "Describe every image." in await page.inner_text("main")
    await page.click("text=Ada Lindqvist")
    await page.wait_for_url(site.base_url + "/@ada")
    cards = page.locator(".work-grid .work-card")
    assert await cards.count() == 30
    assert await cards.first.inner_text() == "Study 33"
    # The first screenful of images is loaded and shown at its real size.
    first_image = cards.first.locator("img")
    await first_image.scroll_into_view_if_needed()
    assert await first_image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert await first_image.get_attribute("alt") == "Study number 33: lines and washes"

    await page.click("a[rel=next]")
    assert await cards.count() == 3
    assert [await c.inner_text() for c in await cards.all()] == ["Study 3", "Study 2", "Study 1"]
    await page.click("a[rel=prev]")
    assert await cards.first.inner_text() == "Study 33"

    await cards.nth(4).click()
    await page.wait_for_url(re.compile(r"/@ada/\d+$"))
    assert await page.inner_text("h1") == "Study 29"
    figure = page.locator(".work-images img").first
    assert await figure.evaluate("img => img.complete && img.naturalWidth > 0")
    assert await figure.get_attribute("srcset")
    assert "may not be used to train AI" in await page.inner_text(".rights")

    await page.goto(site.base_url + "/@ada")
    await page.click("text=Harbour suite")
    await page.wait_for_url(site.base_url + "/@ada/series/harbour-suite")
    assert [await c.inner_text() for c in await cards.all()] == ["Study 3", "Study 1", "Study 2"]


async def test_a_works_images_hold_their_place_before_they_arrive(page, site, ada):
    tall, = await add_works(site, ada, 1, prefix="Scroll", size=(300, 1200))
    wide, = await add_works(site, ada, 1, prefix="Panorama", size=(1600, 400))
    held_back = []

    async def never_answer(route):
        held_back.append(route.request.url)

    await page.route("**/media/**", never_answer)

    for work, ratio in ((tall, 300 / 1200), (wide, 1600 / 400)):
        await page.goto(f"{site.base_url}/@ada/{work.pk}", wait_until="domcontentloaded")
        image = page.locator(".work-images img").first
        assert not await image.evaluate("img => img.complete && img.naturalWidth > 0")
        box = await image.bounding_box()
        window = page.viewport_size
        # Its own proportions, inside the column and the window, with no file yet.
        assert box["width"] > 0 and abs(box["width"] / box["height"] - ratio) < 0.02
        assert box["height"] <= 0.85 * window["height"] + 1 and box["width"] <= window["width"]
    assert held_back


async def test_an_artist_uploads_a_work_makes_a_series_and_reorders_it(page, site, ada):
    await add_works(site, ada, 2, prefix="Earlier")
    await sign_in(page, site)
    await page.click("text=Upload a work")
    await page.set_input_files("#image_1", files=[{"name": "harbour.jpg", "mimeType": "image/jpeg",
                                                   "buffer": artwork(size=(1200, 800), seed=7)}])
    await page.fill("#alt_1", "Fishing boats moored at dusk, drawn in fine black lines")
    await page.fill("#title", "Harbour at dusk")
    await page.fill("#description", "Drypoint, first state.")
    await page.fill("#medium", "drypoint")
    await page.click("text=Publish the work")
    await page.wait_for_url(re.compile(r"/@ada\?new=\d+$"))
    first_card = page.locator(".work-grid .work-card").first
    assert await first_card.inner_text() == "Harbour at dusk"
    assert await first_card.locator("img").get_attribute("alt") == "Fishing boats moored at dusk, drawn in fine black lines"

    await page.goto(site.base_url + "/studio/series")
    await page.fill("#title", "Harbours")
    await page.click("text=Make the series")
    await page.wait_for_url(re.compile(r"/studio/series/\d+$"))
    for title in ("Harbour at dusk", "Earlier 1", "Earlier 2"):
        await page.check(f"label:has-text('{title}') input")
    await page.click("text=Save the series")
    assert "Saved." in await page.inner_text("main")
    # Checked in portfolio order (newest first): Harbour at dusk, Earlier 2, Earlier 1.
    await page.get_by_role("button", name="Up (move Earlier 1 earlier)").click()
    await page.get_by_role("button", name="First (move Earlier 2 to the front)").click()
    series = await Series.get(account_id=ada.pk, slug="harbours")
    order = await SeriesWork.filter(series_id=series.pk).order_by("position").values_list("post__source_text", flat=True)
    assert [text.split("\n")[0] for text in order] == ["Earlier 2", "Harbour at dusk", "Earlier 1"]
    await page.goto(site.base_url + "/@ada/series/harbours")
    titles = [await c.inner_text() for c in await page.locator(".work-card").all()]
    assert titles == ["Earlier 2", "Harbour at dusk", "Earlier 1"]


async def test_a_refused_upload_is_explained_next_to_its_field(page, site, ada):
    await sign_in(page, site, next_path="/studio/works/new")
    await page.set_input_files("#image_1", files=[{"name": "notes.png", "mimeType": "image/png",
                                                   "buffer": b"this is text, not a picture"}])
    await page.fill("#alt_1", "nothing")
    await page.fill("#title", "Broken")
    await page.click("text=Publish the work")
    error = page.locator("#image_1-error")
    assert "This image was refused" in await error.inner_text()
    assert await page.input_value("#title") == "Broken"
    assert await Post.all().count() == 0


async def test_a_signed_out_visitor_cannot_reach_the_studio(page, site, ada):
    for path in ("/studio", "/studio/works/new", "/studio/profile"):
        await page.goto(site.base_url + path)
        assert "/auth/sign_in?next=" in page.url
        assert (await page.inner_text("h1")).startswith("Sign in")
    answer = await page.request.post(site.base_url + "/studio/series", form={"title": "sneaky"}, max_redirects=0)
    assert answer.status == 303 and answer.headers["location"].startswith("/auth/sign_in")
    assert await Series.all().count() == 0


PAGE_KINDS = [
    ("front", "/"),
    ("portfolio", "/@ada"),
    ("work", "/@ada/{work}"),
    ("series", "/@ada/series/harbour-suite"),
    ("posts-tab", "/@ada/posts"),
    ("tag", "/tags/drypoint"),
    ("followers", "/@ada/followers"),
    ("about", "/about"),
    ("follow-from-your-server", "/@ada/remote_follow"),
    ("not-found", "/@nobody"),
    ("sign-in", "/auth/sign_in"),
]
STUDIO_KINDS = [
    ("studio", "/studio"),
    ("studio-upload", "/studio/works/new"),
    ("studio-series", "/studio/series/{series}"),
    ("studio-profile", "/studio/profile"),
    ("studio-feed", "/studio/feed"),
]


async def test_every_page_kind_passes_axe_and_is_photographed(page, site, ada):
    works = await add_works(site, ada, 8, size=(900, 640))
    series = await portfolio.create_series(ada, "Harbour suite", "Three plates of the old port.",
                                           media_url=site.services.notes.media_url)
    await portfolio.set_series_works(series, ada, [w.pk for w in works[:4]], media_url=site.services.notes.media_url)
    names = {"work": works[-1].pk, "series": series.pk}
    problems = {}
    for kind, path in PAGE_KINDS:
        await page.goto(site.base_url + path.format(**names))
        await photograph(page, kind)
        if found := await axe_violations(page):
            problems[kind] = found
    await sign_in(page, site)
    for kind, path in STUDIO_KINDS:
        await page.goto(site.base_url + path.format(**names))
        await photograph(page, kind)
        if found := await axe_violations(page):
            problems[kind] = found
    assert problems == {}
