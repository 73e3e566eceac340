"""Content Credentials where people and other servers meet a work: the page, the API, the Note."""

from __future__ import annotations

import pytest

from outbox import portfolio
from tests.media.credentials import SigningAuthority, tampered
from tests.web.conftest import artwork, chunks
from tests.web.test_public_pages import AP, page


@pytest.fixture(scope="module")
def authority() -> SigningAuthority:
    return SigningAuthority.create()


async def _work(services, artist, data: bytes, text: str = "Harbour at dusk"):
    media = await services.media.accept_upload(artist, chunks(data), declared_type="image/jpeg", description="a harbour")
    return await portfolio.publish_work(artist, text, media=[media], notes=services.notes)


async def test_a_signed_work_shows_its_credentials_everywhere(web_client, services, ada, authority):
    work = await _work(services, ada, authority.sign(artwork((320, 240))))
    _, html = await page(web_client, f"/@ada/{work.pk}")
    assert "<h2 id=\"content-credentials-heading\">Content Credentials</h2>" in html
    assert "<strong>Signature valid.</strong>" in html and "not on this server's trust list" in html
    assert "<dt>Signed by</dt><dd>Test Camera Signer (Test Camera Works)</dd>" in html
    assert "<dt>Made with</dt><dd>Test Camera 2.1</dd>" in html
    assert "<dt>Source</dt><dd>captured with a digital camera</dd>" in html
    assert "<dt>Training generative AI</dt><dd>not allowed</dd>" in html
    assert "<dt>Use as AI input</dt><dd>not allowed</dd>" in html

    status = await (await web_client.get(f"/api/v1/statuses/{work.pk}")).get_json()
    [entity] = status["media_attachments"]
    claims = entity["content_credentials"]
    assert claims["state"] == "valid" and claims["signer"] == "Test Camera Signer"
    assert claims["digital_source_types"] == ["http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"]
    assert claims["training_mining"] == {"ai_generative_training": "notAllowed", "ai_inference": "notAllowed"}

    note = await (await web_client.get(f"/@ada/{work.pk}", headers={"Accept": AP})).get_json()
    [document] = note["attachment"]
    assert document["digitalSourceType"] == "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
    assert note["@context"][1]["digitalSourceType"] == {"@id": "Iptc4xmpExt:DigitalSourceType", "@type": "@id"}


async def test_a_work_without_credentials_shows_no_panel(web_client, services, ada):
    work = await _work(services, ada, artwork((320, 240)))
    _, html = await page(web_client, f"/@ada/{work.pk}")
    assert "Content Credentials" not in html
    status = await (await web_client.get(f"/api/v1/statuses/{work.pk}")).get_json()
    assert status["media_attachments"][0]["content_credentials"] is None
    note = await (await web_client.get(f"/@ada/{work.pk}", headers={"Accept": AP})).get_json()
    assert "digitalSourceType" not in note["attachment"][0]


async def test_failed_credentials_are_shown_as_failed_and_not_federated(web_client, services, ada, authority):
    work = await _work(services, ada, tampered(authority.sign(artwork((320, 240)))))
    _, html = await page(web_client, f"/@ada/{work.pk}")
    assert "<strong>Failed verification.</strong>" in html and "assertion.dataHash.mismatch" in html
    note = await (await web_client.get(f"/@ada/{work.pk}", headers={"Accept": AP})).get_json()
    assert "digitalSourceType" not in note["attachment"][0]
