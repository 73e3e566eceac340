"""An AI-labelled image says so wherever it appears (client API, web pages, federated Notes),
and an artist's own stricter rule hides or labels remote AI media in what she sees."""

from __future__ import annotations

import re

import httpx
import pytest
from mastodon import Mastodon

from fediserver.clock import utcnow
from fediserver.local_accounts import create_api_token, create_local_account
from fediserver.models import Account, MediaAttachment, Post, Visibility
from fediserver.models.interactions import Notification, NotificationKind
from media.remote import RemoteMediaJob
from outbox import portfolio
from tests.api.conftest import call
from tests.federation.loopback_server import LoopbackServer, Reply
from tests.interop.served_instance import ServedInstance
from tests.media import samples
from tests.media.test_remote_media import ai_jpeg, remote_jpeg
from tests.web.conftest import chunks

PASSWORD = "correct horse battery"


@pytest.fixture
async def peer():
    async with LoopbackServer({
        "/media/ai.jpg": Reply(200, {"content-type": "image/jpeg"}, ai_jpeg()),
        "/media/plain.jpg": Reply(200, {"content-type": "image/jpeg"}, remote_jpeg(1)),
    }) as server:
        yield server


async def remote_post_with_images(peer, bea: Account) -> Post:
    """bob@other.example posts an AI-marked and a plain image, mentioning bea; both are fetched."""
    bob = await Account.create(username="bob", domain="other.example", uri="https://other.example/users/bob",
                               url="https://other.example/@bob")
    post = await Post.create(uri="https://other.example/users/bob/statuses/1", account=bob, local=False,
                             visibility=Visibility.PUBLIC, published_at=utcnow(), content="<p>two studies</p>")
    for name, alt in (("ai.jpg", "a study in blue"), ("plain.jpg", "a study in red")):
        await MediaAttachment.create(account=bob, post=post, remote_url=f"{peer.base}/media/{name}",
                                     mime="image/jpeg", description=alt)
    await Notification.create(account=bea, from_account=bob, kind=NotificationKind.MENTION, post=post)
    return post


async def drain(services) -> None:
    job = RemoteMediaJob(services.remote_media)
    while await job.run_once():
        pass


async def patch(url: str, **options) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.patch(url, **options)


async def signed_in_page(base_url: str, name: str, path: str) -> str:
    async with httpx.AsyncClient(base_url=base_url) as browser:
        form = (await browser.get("/auth/sign_in")).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        signed = await browser.post("/auth/sign_in", data={"username": name, "password": PASSWORD, "csrf_token": token})
        assert signed.status_code == 303
        page = await browser.get(path)
        assert page.status_code == 200, path
        return page.text


async def test_a_remote_ai_image_is_labelled_for_everyone_and_hidden_for_an_artist_who_refuses_it(db, tmp_path, peer):
    async with ServedInstance(db, sections={"instance": {"data_dir": str(tmp_path / "data")}}) as served:
        ada = await create_local_account(served.services.urls, "ada", password=PASSWORD)
        bea = await create_local_account(served.services.urls, "bea", password=PASSWORD)
        post = await remote_post_with_images(peer, bea)
        await drain(served.services)
        ada_app = Mastodon(access_token=await create_api_token("ada"), api_base_url=served.base_url)
        bea_app = Mastodon(access_token=await create_api_token("bea"), api_base_url=served.base_url)

        # Under the instance's "label", apps blur the status and read the label first in the alt text.
        status = await call(ada_app.status, post.pk)
        assert status.sensitive is True
        ai, plain = status.media_attachments
        assert ai.description.startswith("AI-generated: ") and ai.description.endswith(". a study in blue")
        assert "trainedAlgorithmicMedia" in ai.description
        assert ai.ai_provenance["verdict"] == "label" and ai.ai_provenance["kind"] == "ai-generated"
        assert plain.description == "a study in red" and plain.ai_provenance is None

        # The post's page (anonymous) shows a badge and keeps the image folded until opened.
        page = (await httpx.AsyncClient().get(f"{served.base_url}/@bob@other.example/{post.pk}")).text
        fold = page.split('<details class="ai-fold">')[1].split("</details>")[0]
        assert '<span class="ai-label"' in fold and ">AI-generated</span>" in fold and "a study in blue" in fold
        assert page.count('<details class="ai-fold">') == 1

        # bea refuses AI media from other servers; "allow" would be looser than the instance.
        response = await patch(f"{served.base_url}/api/v1/accounts/update_credentials",
                               headers={"Authorization": f"Bearer {bea_app.access_token}"},
                               data={"source[ai_generated_remote]": "allow"})
        assert response.status_code == 422 and "looser" in response.json()["error"]
        response = await patch(f"{served.base_url}/api/v1/accounts/update_credentials",
                               headers={"Authorization": f"Bearer {bea_app.access_token}"},
                               data={"source[ai_generated_remote]": "reject"})
        assert response.status_code == 200 and response.json()["source"]["ai_generated_remote"] == "reject"

        # Her status, her notifications and the post's page, signed in: only the plain image.
        mine = await call(bea_app.status, post.pk)
        assert [m.description for m in mine.media_attachments] == ["a study in red"] and mine.sensitive is False
        [mention] = await call(bea_app.notifications)
        assert [m.description for m in mention.status.media_attachments] == ["a study in red"]
        page = await signed_in_page(served.base_url, "bea", f"/@bob@other.example/{post.pk}")
        assert "ai-fold" not in page and "a study in blue" not in page and "a study in red" in page
        assert "1 image hidden by your rule" in page
        # ada, who keeps the instance's rule, still sees both.
        assert len((await call(ada_app.status, post.pk)).media_attachments) == 2


async def test_a_stricter_rule_labels_what_the_instance_allows(db, tmp_path, peer):
    sections = {"instance": {"data_dir": str(tmp_path / "data")}, "protection": {"ai_generated_remote": "allow"}}
    async with ServedInstance(db, sections=sections) as served:
        bea = await create_local_account(served.services.urls, "bea", password=PASSWORD)
        post = await remote_post_with_images(peer, bea)
        await drain(served.services)
        bea_app = Mastodon(access_token=await create_api_token("bea"), api_base_url=served.base_url)
        status = await call(bea_app.status, post.pk)
        assert status.sensitive is False and all(m.ai_provenance is None for m in status.media_attachments)
        await call(bea_app.account_update_credentials, locked=False)  # a plain update changes no rule
        assert (await call(bea_app.account_verify_credentials)).source["ai_generated_remote"] == "allow"
        response = await patch(f"{served.base_url}/api/v1/accounts/update_credentials",
                               headers={"Authorization": f"Bearer {bea_app.access_token}"},
                               json={"source": {"ai_generated_remote": "label"}})
        assert response.status_code == 200
        status = await call(bea_app.status, post.pk)
        assert status.sensitive is True and status.media_attachments[0].description.startswith("AI-generated")
        response = await patch(f"{served.base_url}/api/v1/accounts/update_credentials",
                               headers={"Authorization": f"Bearer {bea_app.access_token}"},
                               data={"source[ai_generated_remote]": "sometimes"})
        assert response.status_code == 422 and "must be one of" in response.json()["error"]


async def test_a_labelled_local_upload_carries_its_label_in_the_federated_note(db, tmp_path):
    from fediserver.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(db, instance={"data_dir": str(tmp_path / "data")},
                             protection={"ai_generated_local": "label"})
    app = create_app(settings, manage_database=False, run_jobs=False)
    services = app.config["SERVICES"]
    ada = await create_local_account(services.urls, "ada", password=PASSWORD)
    ai = await services.media.accept_upload(ada, chunks(ai_jpeg()), declared_type="image/jpeg", description="dunes")
    plain = await services.media.accept_upload(ada, chunks(samples.encode(samples.picture(), "JPEG")),
                                               declared_type="image/jpeg", description="sea")
    post = await portfolio.publish_work(ada, "Dunes", media=[ai, plain], visibility="public", spoiler_text="",
                                        notes=services.notes)
    note = await services.notes.note(post, ada)
    labelled, unlabelled = note["attachment"]
    assert note["sensitive"] is True and note["summary"].startswith("AI-generated: ")
    assert labelled["summary"] == note["summary"] and labelled["name"].endswith(". dunes")
    assert labelled["digitalSourceType"] == "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    assert "summary" not in unlabelled and unlabelled["name"] == "sea"
    terms = note["@context"][1]
    assert terms["digitalSourceType"] == {"@id": "Iptc4xmpExt:DigitalSourceType", "@type": "@id"}

    # The same label on the work's page, as a badge over the folded image.
    page = await (await app.test_client().get(f"/@ada/{post.pk}")).get_data(as_text=True)
    assert page.count('<details class="ai-fold">') == 1 and ">AI-generated</span>" in page
    await services.aclose()
