"""Uploads and remote media with real signed C2PA manifests: validated, decided, stored."""

from __future__ import annotations

import pytest

from fediserver.models import MediaAttachment
from media.intake import MediaRejected
from tests.federation.loopback_server import LoopbackServer, Reply
from tests.media import samples
from tests.media.conftest import files_under, pipeline_settings
from tests.media.credentials import SigningAuthority, malformed, plain, tampered
from tests.media.test_pipeline_uploads import upload
from tests.media.test_remote_media import bob, drain  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def authority() -> SigningAuthority:
    return SigningAuthority.create()


def _services(db, data_dir, **protection):
    from fediserver.app import create_app

    settings = pipeline_settings(db, data_dir, protection=protection, federation={"allow_private_addresses": True})
    return create_app(settings, manage_database=False, run_jobs=False).config["SERVICES"]


def _with_generator_text(jpeg_exif: bool = True) -> bytes:
    """A photo whose EXIF comment looks like Stable Diffusion WebUI output: a metadata guess."""
    return samples.encode(samples.picture((160, 120)), "JPEG", exif=samples.a1111_user_comment_exif())


async def _stored(attachment: MediaAttachment) -> dict | None:
    return (await MediaAttachment.get(id=attachment.id)).content_credentials


async def test_a_capture_manifest_is_accepted_and_its_claims_stored(db, data_dir, artist, authority):
    services = _services(db, data_dir)  # ai_generated_local = "reject"
    attachment = await upload(services, artist, authority.sign(plain()))
    stored = await _stored(attachment)
    assert attachment.ai_label is None
    assert stored["state"] == "valid" and stored["signer"] == "Test Camera Signer"
    assert stored["generator"] == "Test Camera 2.1" and stored["source_types"] == ["digitalCapture"]
    assert stored["actions"] == ["created"] and stored["training_mining"]["ai_generative_training"] == "notAllowed"
    await services.aclose()


async def test_an_upload_without_a_manifest_stores_none(db, data_dir, artist):
    services = _services(db, data_dir)
    attachment = await upload(services, artist, plain())
    assert await _stored(attachment) is None and attachment.ai_label is None
    await services.aclose()


async def test_a_manifest_declaring_ai_is_refused_or_labelled_by_the_ai_rule(db, data_dir, artist, authority):
    generated = authority.sign(plain(), source_type="trainedAlgorithmicMedia", generator="Test Generator")
    services = _services(db, data_dir, ai_generated_local="reject")
    with pytest.raises(MediaRejected) as refusal:
        await upload(services, artist, generated)
    assert refusal.value.code == "ai-generated"
    assert "Content Credentials (signature valid, signed by Test Camera Signer) declare trainedAlgorithmicMedia" in refusal.value.message
    assert await MediaAttachment.all().count() == 0 and files_under(data_dir / "media") == []
    await services.aclose()
    services = _services(db, data_dir, ai_generated_local="label")
    attachment = await upload(services, artist, generated)
    assert "declare trainedAlgorithmicMedia" in attachment.ai_label
    assert (await _stored(attachment))["source_types"] == ["trainedAlgorithmicMedia"]
    await services.aclose()


async def test_a_tampered_file_is_labelled_by_default_and_refused_when_the_rule_says(db, data_dir, artist, authority):
    changed = tampered(authority.sign(plain()))
    services = _services(db, data_dir)
    attachment = await upload(services, artist, changed)
    assert attachment.ai_label.startswith("labelled: Content Credentials failed verification")
    stored = await _stored(attachment)
    assert stored["state"] == "invalid" and "dataHash.mismatch" in stored["problem"]
    await services.aclose()
    services = _services(db, data_dir, invalid_content_credentials="reject")
    with pytest.raises(MediaRejected) as refusal:
        await upload(services, artist, changed)
    assert "Content Credentials failed verification" in refusal.value.message
    await services.aclose()


async def test_a_malformed_manifest_never_crashes_and_is_never_clean(db, data_dir, artist, authority):
    broken = malformed(authority.sign(plain()))
    services = _services(db, data_dir, ai_generated_local="reject")
    with pytest.raises(MediaRejected) as refusal:
        await upload(services, artist, broken)
    assert "Content Credentials could not be read" in refusal.value.message
    await services.aclose()
    services = _services(db, data_dir, ai_generated_local="label")
    attachment = await upload(services, artist, broken)
    assert "could not be read" in attachment.ai_label
    assert (await _stored(attachment))["state"] == "unreadable"
    await services.aclose()


async def test_an_oversized_manifest_is_recorded_as_unreadable(db, data_dir, artist, authority):
    oversized = authority.sign(plain(), padding=2_200_000)
    services = _services(db, data_dir, ai_generated_local="label")
    attachment = await upload(services, artist, oversized)
    stored = await _stored(attachment)
    assert stored["state"] == "unreadable" and "more than the 2097152 bytes" in stored["problem"]
    assert "Content Credentials could not be read" in attachment.ai_label
    await services.aclose()


async def test_a_trusted_capture_manifest_outweighs_a_metadata_guess(db, data_dir, artist, authority):
    signed = authority.sign(_with_generator_text())
    # Untrusted signer: the generator-like text still decides.
    services = _services(db, data_dir)
    with pytest.raises(MediaRejected) as refusal:
        await upload(services, artist, signed)
    assert "Stable Diffusion" in refusal.value.message
    await services.aclose()
    data_dir.mkdir(parents=True, exist_ok=True)
    authority.write_root(data_dir)
    services = _services(db, data_dir, content_credentials_trust_anchors="trusted-authorities.pem")
    attachment = await upload(services, artist, signed)
    assert attachment.ai_label is None and (await _stored(attachment))["state"] == "trusted"
    await services.aclose()


async def test_remote_media_keeps_the_validated_claims(db, data_dir, bob, authority):  # noqa: F811
    images = {
        "/media/signed.jpg": Reply(200, {"content-type": "image/jpeg"}, authority.sign(plain())),
        "/media/generated.jpg": Reply(
            200, {"content-type": "image/jpeg"}, authority.sign(plain(), source_type="trainedAlgorithmicMedia")
        ),
    }
    async with LoopbackServer(images) as peer:
        services = _services(db, data_dir)  # ai_generated_remote = "label"
        signed = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/media/signed.jpg", mime="image/jpeg")
        generated = await MediaAttachment.create(account=bob, remote_url=f"{peer.base}/media/generated.jpg", mime="image/jpeg")
        await drain(services)
        await services.aclose()
    await signed.refresh_from_db()
    await generated.refresh_from_db()
    assert signed.remote_state == "cached" and signed.ai_label is None
    assert signed.content_credentials["state"] == "valid" and signed.content_credentials["source_types"] == ["digitalCapture"]
    assert generated.remote_state == "cached" and "declare trainedAlgorithmicMedia" in generated.ai_label
    assert generated.content_credentials["source_types"] == ["trainedAlgorithmicMedia"]


async def test_the_served_original_keeps_a_valid_manifest_and_derivatives_carry_none(db, data_dir, artist, authority, tmp_path):
    from fediserver.app import create_app
    from media.content_credentials import CredentialsCheck
    from tests.media.test_pipeline_uploads import fetch

    app = create_app(pipeline_settings(db, data_dir, protection={"serve_originals": True}), manage_database=False, run_jobs=False)
    services, client = app.config["SERVICES"], app.test_client()
    signed = authority.sign(plain())
    attachment = await upload(services, artist, signed)
    _, original, original_path = await fetch(client, attachment.original_key, tmp_path)
    assert original == signed and CredentialsCheck().read(original_path, "JPEG").state == "valid"
    _, display, _ = await fetch(client, attachment.display_key, tmp_path)
    assert b"c2pa" not in display and b"jumb" not in display
    await services.aclose()
