"""What an artist does in the studio reaches another server: the Fedify peer, following
her, receives the work she uploads in the browser (image, alt text, licence and
do-not-train terms) and can fetch the series she makes as a FEP-7aa9 FeaturedCollection."""

from __future__ import annotations

import re

import pytest

from fediserver.models import Delivery, DeliveryState, Follow, FollowState, Post
from fediserver.models.portfolio import Series
from tests.browser.conftest import sign_in
from tests.interop.harness import wait_until
from tests.web.conftest import artwork

pytestmark = [pytest.mark.browser, pytest.mark.interop]
TIMEOUT = 20.0


async def test_the_peer_receives_the_work_and_fetches_the_series(page, site, ada, fedify_peer):
    peer = fedify_peer
    await peer.control.reset()
    answer = await peer.control.follow("bob", f"ada@{site.domain}")
    assert [d["ok"] for d in answer["deliveries"]] == [True], answer
    await wait_until(lambda: Follow.get_or_none(target_id=ada.pk, state=FollowState.ACCEPTED), timeout=TIMEOUT)

    await sign_in(page, site, next_path="/studio/works/new")
    await page.set_input_files("#image_1", files=[{"name": "pier.jpg", "mimeType": "image/jpeg",
                                                   "buffer": artwork(size=(1000, 700), seed=11)}])
    await page.fill("#alt_1", "A wooden pier reaching into a calm grey sea")
    await page.fill("#title", "The old pier")
    await page.fill("#medium", "etching")
    await page.click("text=Publish the work")
    await page.wait_for_url(re.compile(r"/@ada\?new=\d+$"))
    post = await Post.get(source_text__startswith="The old pier")

    create = await peer.control.wait_for("Create", lambda a: a["object"] == post.uri or
                                         (isinstance(a["object"], dict) and a["object"].get("id") == post.uri),
                                         timeout=TIMEOUT)
    note = create["activity"]["object"]
    images = [item for item in note["attachment"] if item.get("mediaType", "").startswith("image/")]
    assert images[0]["name"] == "A wooden pier reaching into a calm grey sea"
    assert images[0]["url"].startswith(site.base_url + "/media/")
    assert note.get("xRobotsTag") == "noai, noimageai"
    assert any(tag.get("name") == "#Etching" for tag in note["tag"])

    await page.goto(site.base_url + "/studio/series")
    await page.fill("#title", "Piers and jetties")
    await page.click("text=Make the series")
    await page.wait_for_url(re.compile(r"/studio/series/\d+$"))
    await page.check("label:has-text('The old pier') input")
    await page.click("text=Save the series")
    series = await Series.get(account_id=ada.pk)
    series_id = site.services.urls.series("ada", series.pk)

    await peer.control.wait_for("Add", lambda a: a["activity"].get("target", "").endswith("/featured_collections"),
                                timeout=TIMEOUT)
    fetched = await peer.control.fetch(series_id, actor="bob")
    assert fetched["errors"] == [], fetched
    collection = fetched["document"]
    assert collection["type"] == "FeaturedCollection" and collection["name"] == "Piers and jetties"
    assert collection["url"] == f"{site.base_url}/@ada/series/piers-and-jetties"
    assert [item["featuredObject"] for item in collection["orderedItems"]] == [post.uri]
    actor = (await peer.control.fetch(ada.uri))["document"]
    assert actor["featuredCollections"] == site.services.urls.featured_collections("ada")
    await peer.control.wait_for("Update", lambda a: a["object"] == series_id, timeout=TIMEOUT)
    assert await peer.control.rejected() == []
    assert await Delivery.filter(state=DeliveryState.FAILED).values_list("inbox_url", "last_error") == []
