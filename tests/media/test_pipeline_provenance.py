"""AI-provenance marks on uploads, under the instance policy and an artist's stricter choice."""

from __future__ import annotations

import pytest

from fediserver.models import MediaAttachment
from media.intake import MediaRejected
from tests.media import samples
from tests.media.conftest import files_under, pipeline_settings
from tests.media.test_pipeline_uploads import upload


def _jpeg_with_xmp_source_type() -> bytes:
    return samples.encode(samples.picture(), "JPEG", xmp=samples.xmp_with_source_type("trainedAlgorithmicMedia"))


def _jpeg_with_c2pa() -> bytes:
    jpeg = samples.encode(samples.picture(), "JPEG")
    return samples.jpeg_insert_after_soi(jpeg, *samples.jpeg_app11_segments(samples.c2pa_store("trainedAlgorithmicMedia")))


def _png_with_generator_text() -> bytes:
    return samples.png_with_text({"parameters": samples.A1111_TEXT})


def _png_with_stealth_metadata() -> bytes:
    return samples.encode(samples.with_stealth_metadata(samples.picture((64, 64), "RGBA")), "PNG")


AI_MARKED = {
    "xmp-digital-source-type": (_jpeg_with_xmp_source_type, "trainedAlgorithmicMedia"),
    "c2pa-manifest": (_jpeg_with_c2pa, "C2PA"),
    "generator-text": (_png_with_generator_text, "parameters"),
    "novelai-stealth": (_png_with_stealth_metadata, "NovelAI"),
}


def _services(db, data_dir, **protection):
    from fediserver.app import create_app

    settings = pipeline_settings(db, data_dir, protection=protection)
    return create_app(settings, manage_database=False, run_jobs=False).config["SERVICES"]


@pytest.mark.parametrize("mark", AI_MARKED)
async def test_each_mark_is_rejected_under_reject_naming_it(db, data_dir, artist, mark):
    make, named = AI_MARKED[mark]
    services = _services(db, data_dir, ai_generated_local="reject")
    with pytest.raises(MediaRejected) as refusal:
        await upload(services, artist, make())
    assert refusal.value.code == "ai-generated" and named in refusal.value.message
    assert await MediaAttachment.all().count() == 0 and files_under(data_dir) == []
    await services.aclose()


@pytest.mark.parametrize("mark", AI_MARKED)
async def test_each_mark_is_labelled_under_label(db, data_dir, artist, mark):
    make, named = AI_MARKED[mark]
    services = _services(db, data_dir, ai_generated_local="label")
    attachment = await upload(services, artist, make())
    assert named in attachment.ai_label and attachment.ai_label.startswith("labelled")
    assert (await MediaAttachment.get(id=attachment.id)).ai_label == attachment.ai_label
    await services.aclose()


async def test_allow_accepts_marked_images_without_a_label(db, data_dir, artist):
    services = _services(db, data_dir, ai_generated_local="allow")
    attachment = await upload(services, artist, _jpeg_with_c2pa())
    assert attachment.ai_label is None
    await services.aclose()


async def test_an_artist_may_be_stricter_than_the_instance(db, data_dir, artist):
    services = _services(db, data_dir, ai_generated_local="label")
    artist.protection_overrides = {"ai_generated_local": "reject"}
    with pytest.raises(MediaRejected) as refusal:
        await upload(services, artist, _jpeg_with_xmp_source_type())
    assert refusal.value.code == "ai-generated"
    await services.aclose()


async def test_an_artist_cannot_be_looser_than_the_instance(db, data_dir, artist):
    services = _services(db, data_dir, ai_generated_local="reject")
    artist.protection_overrides = {"ai_generated_local": "allow", "data_mining": "DMI-ALLOWED"}
    with pytest.raises(MediaRejected):
        await upload(services, artist, _jpeg_with_xmp_source_type())
    assert services.media.artist_policy(artist).data_mining == "DMI-PROHIBITED-AIMLTRAINING"
    await services.aclose()


async def test_an_artists_stricter_data_mining_choice_is_written_into_the_images(services, artist, tmp_path):
    from media.metadata import read_rights

    artist.protection_overrides = {"data_mining": "DMI-PROHIBITED"}
    attachment = await upload(services, artist, samples.encode(samples.picture(), "JPEG"))
    path = tmp_path / "display.jpg"
    path.write_bytes(b"".join([chunk async for chunk in await services.media.store.open(attachment.display_fallback_key)]))
    assert read_rights(path)["data_mining"] == "DMI-PROHIBITED"
