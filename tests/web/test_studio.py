"""The studio through its forms: signing in, uploading a work (and the refusals shown on
the form with nothing lost), arranging the portfolio, series, profile, CSRF and sign-in
checks."""

from __future__ import annotations

import io
import re

import pytest
from urllib.parse import urlencode

from fediserver.models import Activity, MediaAttachment, Post
from fediserver.models.portfolio import Series, SeriesWork, Work
from tests.web.conftest import artwork, make_work

PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def signed_in(client, name="ada"):
    page = await (await client.get("/auth/sign_in")).get_data(as_text=True)
    response = await client.post("/auth/sign_in", form={"username": name, "password": PASSWORD,
                                                         "csrf_token": csrf_of(page)})
    assert response.status_code == 303
    return client


async def form_page(client, path):
    response = await client.get(path)
    assert response.status_code == 200, path
    html = await response.get_data(as_text=True)
    return html, csrf_of(html)


def upload(data: bytes, name="work.jpg", mimetype="image/jpeg"):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), filename=name, content_type=mimetype)


@pytest.mark.parametrize("path", ["/studio", "/studio/works/new", "/studio/series", "/studio/profile",
                                  "/studio/requests", "/studio/notifications", "/studio/feed"])
async def test_a_signed_out_visitor_is_sent_to_sign_in(web_client, ada, path):
    response = await web_client.get(path)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/auth/sign_in?next=")


async def test_a_form_without_the_csrf_token_is_refused(web_client, ada):
    await signed_in(web_client)
    response = await web_client.post("/studio/series", form={"title": "Harbours"})
    assert response.status_code == 403
    assert await Series.all().count() == 0


async def test_an_artist_uploads_a_work_and_sees_it_first(web_client, ada, services):
    await make_work(services, ada, "Older piece")
    await signed_in(web_client)
    html, token = await form_page(web_client, "/studio/works/new")
    response = await web_client.post("/studio/works/new", form={
        "csrf_token": token, "title": "Harbour at dusk", "description": "Drypoint, 2026", "alt_1": "boats at dusk",
        "medium": "drypoint, ink", "visibility": "public", "licence": "", "payment_url": "https://shop.example/harbour",
    }, files={"image_1": upload(artwork(seed=5))})
    assert response.status_code == 303, await response.get_data(as_text=True)
    post = await Post.get(source_text__startswith="Harbour at dusk")
    assert [t["name"] for t in post.tags if t["type"] == "Hashtag"] == ["#Drypoint", "#Ink"]
    assert (await MediaAttachment.get(post_id=post.pk)).description == "boats at dusk"
    portfolio = await (await web_client.get("/@ada")).get_data(as_text=True)
    assert portfolio.index("Harbour at dusk") < portfolio.index("Older piece")
    work_page = await (await web_client.get(f"/@ada/{post.pk}")).get_data(as_text=True)
    assert 'href="https://shop.example/harbour"' in work_page and "drypoint, ink" in work_page
    create = await Activity.get(type="Create", object_uri=post.uri)
    payment = [item for item in create.payload["object"]["attachment"] if item.get("rel") == "payment"]
    assert payment[0]["href"] == "https://shop.example/harbour"


async def test_a_refused_image_is_explained_on_the_form_and_nothing_typed_is_lost(web_client, ada):
    await signed_in(web_client)
    _, token = await form_page(web_client, "/studio/works/new")
    response = await web_client.post("/studio/works/new", form={
        "csrf_token": token, "title": "Kept <title>", "description": "kept description", "alt_1": "good one",
        "alt_2": "broken one", "visibility": "public", "licence": "",
    }, files={"image_1": upload(artwork(seed=1)), "image_2": upload(b"not an image at all", "x.png", "image/png")})
    assert response.status_code == 422
    html = await response.get_data(as_text=True)
    assert re.search(r'id="image_\d-error">This image was refused: ', html)
    assert 'value="Kept &lt;title&gt;"' in html and "kept description" in html
    kept = await MediaAttachment.get(description="good one")
    assert f'name="kept_media" value="{kept.pk}"' in html
    # Fixing the form posts the image accepted the first time, without sending it again.
    token = csrf_of(html)
    response = await web_client.post("/studio/works/new", form={
        "csrf_token": token, "title": "Kept <title>", "kept_media": str(kept.pk), f"kept_alt_{kept.pk}": "good one",
        "visibility": "public", "licence": "",
    })
    assert response.status_code == 303
    post = await Post.get(source_text__startswith="Kept <title>")
    assert (await MediaAttachment.get(pk=kept.pk)).post_id == post.pk


async def test_an_image_needs_alt_text_and_a_work_needs_an_image(web_client, ada):
    await signed_in(web_client)
    _, token = await form_page(web_client, "/studio/works/new")
    response = await web_client.post("/studio/works/new", form={"csrf_token": token, "title": "No picture",
                                                                 "visibility": "public", "licence": ""})
    assert response.status_code == 422
    assert "Add at least one image" in await response.get_data(as_text=True)
    response = await web_client.post("/studio/works/new", form={"csrf_token": token, "title": "No alt",
                                                                 "visibility": "public", "licence": ""},
                                     files={"image_1": upload(artwork(seed=2))})
    assert response.status_code == 422
    assert "Describe this image for people who cannot see it." in await response.get_data(as_text=True)
    assert await Post.all().count() == 0


async def test_arranging_moves_a_work_to_the_front(web_client, ada, services):
    first = await make_work(services, ada, "First made", seed=1)
    await make_work(services, ada, "Second made", seed=2)
    await signed_in(web_client)
    _, token = await form_page(web_client, "/studio")
    response = await web_client.post(f"/studio/works/{first.pk}/move", form={"csrf_token": token, "to": "first"})
    assert response.status_code == 303
    html = await (await web_client.get("/@ada")).get_data(as_text=True)
    assert html.index("First made") < html.index("Second made")


async def test_a_series_is_made_filled_reordered_and_federated(web_client, ada, services):
    one = await make_work(services, ada, "Harbour one", seed=1)
    two = await make_work(services, ada, "Harbour two", seed=2)
    await signed_in(web_client)
    _, token = await form_page(web_client, "/studio/series")
    response = await web_client.post("/studio/series", form={"csrf_token": token, "title": "Harbours & Boats",
                                                             "description": "Etchings of the old port"})
    series = await Series.get(account_id=ada.pk)
    assert series.slug == "harbours-boats" and response.headers["Location"] == f"/studio/series/{series.pk}"
    _, token = await form_page(web_client, f"/studio/series/{series.pk}")
    # Two checked boxes of one name (the test client's form= keeps only one of them).
    await web_client.post(f"/studio/series/{series.pk}", data=urlencode([
        ("csrf_token", token), ("title", "Harbours & Boats"), ("description", "Etchings"),
        ("works", str(one.pk)), ("works", str(two.pk))]), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert await SeriesWork.filter(series_id=series.pk).order_by("position").values_list("post_id", flat=True) == [one.pk, two.pk]
    await web_client.post(f"/studio/series/{series.pk}/move", form={"csrf_token": token, "post_id": str(two.pk), "to": "up"})
    html = await (await web_client.get("/@ada/series/harbours-boats")).get_data(as_text=True)
    assert html.index("Harbour two") < html.index("Harbour one")
    collection = await (await web_client.get("/@ada/series/harbours-boats",
                                             headers={"Accept": "application/activity+json"})).get_json()
    assert collection["type"] == "FeaturedCollection" and collection["name"] == "Harbours & Boats"
    assert [item["featuredObject"] for item in collection["orderedItems"]] == [two.uri, one.uri]
    assert await Activity.filter(type="Add").count() == 1 and await Activity.filter(type="Update").count() >= 1


async def test_the_profile_is_saved_escaped_and_protection_only_tightens(web_client, ada, services):
    await signed_in(web_client)
    html, token = await form_page(web_client, "/studio/profile")
    assert 'value="allow"' not in html.split('id="ai_generated_local"')[1].split("</select>")[0]
    response = await web_client.post("/studio/profile", form={
        "csrf_token": token, "display_name": "Ada <b>Etcher</b>", "bio": "Prints <script>x</script>",
        "field_name_1": "Shop", "field_value_1": "https://shop.example", "licence": "",
        "ai_generated_local": "reject", "ai_generated_remote": "reject", "data_mining": "DMI-PROHIBITED",
    }, files={"avatar": upload(artwork(size=(300, 300), seed=3))})
    assert response.status_code == 303
    page = await (await web_client.get("/@ada")).get_data(as_text=True)
    assert "Ada &lt;b&gt;Etcher&lt;/b&gt;" in page and "<script>x" not in page
    assert '<a href="https://shop.example"' in page
    await ada.refresh_from_db()
    assert ada.avatar_url and services.media.artist_policy(ada).ai_generated_remote == "reject"
    assert await Activity.filter(type="Update").count() == 1


async def test_a_locked_artist_approves_a_follow_request(web_client, ada, services):
    from fediserver.local_accounts import create_local_account
    from fediserver.models import Follow, FollowState

    bob = await create_local_account(services.urls, "bob")
    request = await Follow.create(follower=bob, target=ada, state=FollowState.PENDING, uri=f"{bob.uri}/follows/1")
    await signed_in(web_client)
    html, token = await form_page(web_client, "/studio/requests")
    assert "@bob@art.example" in html
    response = await web_client.post(f"/studio/requests/{request.pk}", form={"csrf_token": token, "answer": "approve"})
    assert response.status_code == 303
    assert (await Follow.get(pk=request.pk)).state == FollowState.ACCEPTED
    followers = await (await web_client.get("/@ada/followers")).get_data(as_text=True)
    assert "@bob@art.example" in followers


async def test_the_studio_says_whose_poll_has_ended(web_app, ada, services):
    from datetime import timedelta

    from fediserver.clock import utcnow
    from fediserver.local_accounts import create_local_account
    from fediserver.models import Poll
    from fediserver.poll_endings import PollEndings
    from outbox import polls, statuses

    bea = await create_local_account(services.urls, "bea", display_name="Bea", password=PASSWORD)
    asked = await statuses.post_status(ada, "Which paper?", visibility="public",
                                       poll=polls.PollSpec(options=("cotton", "pulp"), expires_in=600))
    await polls.vote(bea, await Poll.get(post=asked), [0])
    await Poll.filter(post=asked).update(expires_at=utcnow() - timedelta(minutes=1))
    await PollEndings().run_once()

    own = await (await (await signed_in(web_app.test_client(), "ada")).get("/studio/notifications")).get_data(as_text=True)
    voted = await (await (await signed_in(web_app.test_client(), "bea")).get("/studio/notifications")).get_data(
        as_text=True)
    assert "Your poll has ended:" in own
    assert "A poll by" in voted and "Ada &lt;Etcher&gt;" in voted and "Ada <Etcher>" not in voted
