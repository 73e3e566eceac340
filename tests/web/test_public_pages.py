"""The public pages as a visitor reads them: the collective, a portfolio, a work, a series,
tags, people, feeds, remote accounts; escaping, 404s, paging, caching and negotiation."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from fediserver.models import Post
from outbox import portfolio
from tests.web.conftest import BASE, make_work

AP = "application/activity+json"


async def page(client, path, **kwargs):
    response = await client.get(path, **kwargs)
    return response, await response.get_data(as_text=True)


async def test_the_portfolio_shows_works_newest_first_with_their_images(web_client, services, ada):
    first = await make_work(services, ada, "Harbour at dusk\n\nEtching on copper", seed=1)
    second = await make_work(services, ada, "Night ferry", seed=2, alt="a ferry at night")
    response, html = await page(web_client, "/@ada")
    assert response.status_code == 200
    assert html.index(f'href="/@ada/{second.pk}"') < html.index(f'href="/@ada/{first.pk}"')
    assert 'alt="a ferry at night"' in html
    img = re.search(r'<img src="([^"]+)" srcset="([^"]+)"[^>]*width="(\d+)" height="(\d+)"', html)
    assert img, "a grid image carries srcset, width and height"
    assert "background-image:url('data:image/png;base64," in html
    # Every image URL on the page is served.
    for url in set(re.findall(r'(?:src|srcset)="(/media/[^" ]+)', html)):
        assert (await web_client.get(url)).status_code == 200


async def test_markup_an_artist_typed_is_escaped_everywhere(web_client, services, ada):
    work = await make_work(services, ada, "<script>alert(1)</script> & <b>bold</b>", alt='"><img src=x onerror=alert(2)>')
    for path in ("/@ada", f"/@ada/{work.pk}", "/"):
        response, html = await page(web_client, path)
        assert response.status_code == 200, path
        assert "<script>alert" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
        assert "Ada &lt;Etcher&gt;" in html


async def test_unknown_artist_work_and_series_are_proper_404_pages(web_client, services, ada):
    for path in ("/@nobody", "/@ada/999999", "/@ada/series/none", "/@nobody/series/x", "/no/such/page"):
        response, html = await page(web_client, path)
        assert response.status_code == 404, path
        assert "<h1>Not found</h1>" in html and 'href="/static/site.css' in html


async def test_a_followers_only_or_direct_post_is_not_shown_to_a_visitor(web_client, services, ada):
    hidden = await make_work(services, ada, "Followers only sketch", visibility="private")
    direct = await make_work(services, ada, "A private note", visibility="direct")
    for path in ("/@ada", "/@ada/posts", "/", "/@ada/feed.atom", f"/@ada/{hidden.pk}", f"/@ada/{direct.pk}"):
        response, html = await page(web_client, path)
        assert "Followers only sketch" not in html and "A private note" not in html, path
    assert (await web_client.get(f"/@ada/{hidden.pk}")).status_code == 404


async def test_a_content_warning_is_folded(web_client, services, ada):
    work = await make_work(services, ada, "Anatomy study", spoiler="nudity")
    _, html = await page(web_client, f"/@ada/{work.pk}")
    assert re.search(r"<details class=\"content-warning\">\s*<summary>Content warning: nudity", html)
    _, grid = await page(web_client, "/@ada")
    assert "Content warning: nudity" in grid
    assert 'property="og:image"' not in html


async def test_activitypub_clients_still_get_json_at_the_same_urls(web_client, services, ada):
    work = await make_work(services, ada, "Harbour")
    actor = await (await web_client.get("/@ada", headers={"Accept": AP})).get_json()
    assert actor["id"] == f"{BASE}/users/ada"
    assert actor["featuredCollections"] == f"{BASE}/users/ada/featured_collections"
    note = await (await web_client.get(f"/@ada/{work.pk}", headers={"Accept": AP})).get_json()
    assert note["id"] == f"{BASE}/users/ada/statuses/{work.pk}"
    redirect = await web_client.get(f"/users/ada/statuses/{work.pk}")
    assert redirect.status_code == 302 and redirect.headers["Location"] == f"/@ada/{work.pk}"


async def test_anonymous_pages_are_cached_and_revalidated_with_etags(web_client, services, ada):
    await make_work(services, ada, "Harbour")
    first = await web_client.get("/@ada")
    etag = first.headers["ETag"]
    again = await web_client.get("/@ada", headers={"If-None-Match": etag})
    assert again.status_code == 304
    await make_work(services, ada, "Brand new piece")
    changed = await web_client.get("/@ada", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Brand new piece" in await changed.get_data(as_text=True)


async def test_the_atom_feed_lists_public_works(web_client, services, ada):
    await make_work(services, ada, "Harbour at dusk")
    response = await web_client.get("/@ada/feed.atom")
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(await response.get_data())
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Harbour at dusk" in titles


async def test_a_tag_page_lists_public_local_posts_with_the_tag(web_client, services, ada):
    await make_work(services, ada, "Harbour #Etching", facets={"medium": ["drypoint"]})
    await make_work(services, ada, "Quiet piece")
    await make_work(services, ada, "Hidden #etching", visibility="private")
    for path in ("/tags/etching", "/tags/Etching"):
        html = await (await web_client.get(path)).get_data(as_text=True)
        assert "Harbour" in html and "Quiet piece" not in html and "Hidden" not in html
    assert "Harbour" in await (await web_client.get("/tags/drypoint")).get_data(as_text=True)
    assert (await web_client.get("/tags/no%27pe")).status_code == 404


async def test_pages_are_read_in_a_fixed_number_of_queries(db, tmp_path, services, ada):
    from fediserver.app import create_app
    from tests.web.conftest import web_settings
    from tests.web.query_counter import counted_queries

    uncached = create_app(web_settings(db, tmp_path / "data", web={"page_cache_seconds": 0}),
                          manage_database=False, run_jobs=False).test_client()
    works = [await make_work(services, ada, f"Piece {n}", seed=n) for n in range(12)]
    series = await portfolio.create_series(ada, "Set", media_url=services.notes.media_url)
    await portfolio.set_series_works(series, ada, [w.pk for w in works[:5]], media_url=services.notes.media_url)
    for path in ("/@ada", f"/@ada/{works[3].pk}", "/@ada/series/set", "/"):
        with counted_queries() as queries:
            assert (await uncached.get(path)).status_code == 200
        assert len(queries) <= 6, (path, queries)
