"""Private metadata removed, rights metadata readable, protected pixels untouched."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from media.containers import MalformedContainer, walk_jpeg, walk_png, walk_riff
from media.intake import IntakeLimits, intake
from media.lossless import rewrite_metadata
from media.metadata import RightsInfo, apply_orientation, build_rights_xmp, read_rights, save_for_serving
from media.policy import ArtistProtection, ProtectionPolicy, effective_policy
from media.provenance import detect
from tests.media import samples

RIGHTS = RightsInfo(
    creator="Ada <the> Artist & Co",
    copyright_notice="(c) 2026 Ada Artist. All rights reserved.",
    data_mining="DMI-PROHIBITED-AIMLTRAINING",
    web_statement="https://art.example/@ada/posts/1?a=1&b=2",
    licensor_url="https://art.example/@ada",
    licence_url="https://creativecommons.org/licenses/by-nc-nd/4.0/",
    usage_terms="No AI/ML training.",
    credit="Ada Artist / art.example",
)
EXPECTED_RIGHTS = {
    "creator": "Ada <the> Artist & Co",
    "copyright": "(c) 2026 Ada Artist. All rights reserved.",
    "credit": "Ada Artist / art.example",
    "marked": "True",
    "web_statement": "https://art.example/@ada/posts/1?a=1&b=2",
    "usage_terms": "No AI/ML training.",
    "licence": "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    "data_mining": "DMI-PROHIBITED-AIMLTRAINING",
    "licensor_name": "Ada <the> Artist & Co",
    "licensor_url": "https://art.example/@ada",
}
GPS_IFD = 0x8825
PRIVATE_TEXT = {"parameters": samples.A1111_TEXT, "Author": "Ada's home address"}


def phone_upload(fmt: str) -> bytes:
    """A 64x48 picture with GPS, camera maker, orientation 6 and an ICC profile."""
    options = {"exif": samples.gps_exif(orientation=6), "icc_profile": samples.srgb_icc()}
    if fmt == "PNG":
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        for key, value in PRIVATE_TEXT.items():
            info.add_text(key, value)
        options["pnginfo"] = info
    return samples.encode(samples.picture(), fmt, **options)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
async def test_served_copy_has_no_gps_is_upright_and_carries_rights(tmp_path, fmt):
    upload = await intake(_stream(phone_upload(fmt)), tmp_path, IntakeLimits())
    assert upload.orientation == 6
    with Image.open(upload.path) as original:
        assert original.getexif().get_ifd(GPS_IFD), "the sample must really carry GPS"
        upright = apply_orientation(original)
        served = tmp_path / f"served.{fmt.lower()}"
        save_for_serving(upright, served, fmt, build_rights_xmp(RIGHTS))
    with Image.open(served) as result:
        exif = result.getexif()
        assert not exif.get_ifd(GPS_IFD)
        assert 0x010F not in exif and exif.get(0x0112, 1) == 1
        assert result.size == (48, 64), "orientation 6 is a quarter turn"
        assert result.info.get("icc_profile") == samples.srgb_icc()
        assert "parameters" not in result.info and "Author" not in result.info
    assert read_rights(served) == EXPECTED_RIGHTS
    assert b"PhoneMaker" not in served.read_bytes()


async def _stream(data: bytes):
    yield data


def image_data(path, fmt: str) -> list[bytes]:
    """The compressed image data of a file, part by part, exactly as stored."""
    walker = {"JPEG": walk_jpeg, "PNG": walk_png, "WEBP": walk_riff}[fmt]
    kept = []
    with open(path, "rb") as fp:
        for part in walker(fp):
            is_image = (
                (fmt == "JPEG" and (part.kind is None or part.kind in (0xC0, 0xC2, 0xC4, 0xDB, 0xDA, 0xDD)))
                or (fmt == "PNG" and part.kind in (b"IHDR", b"PLTE", b"IDAT", b"tRNS"))
                or (fmt == "WEBP" and part.kind in (b"VP8 ", b"VP8L", b"ALPH", b"ANMF", b"ANIM"))
            )
            if is_image:
                fp.seek(part.offset)
                kept.append(fp.read(part.size))
    return kept


PROTECTED = {
    "jpeg": ("JPEG", lambda: samples.jpeg_insert_after_soi(phone_upload("JPEG"), samples.jpeg_segment(0xFE, b"shot at 12 Rue X"), samples.jpeg_segment(0xED, b"Photoshop 3.0\x00private"))),
    "jpeg-progressive": ("JPEG", lambda: samples.encode(samples.picture(), "JPEG", progressive=True, exif=samples.gps_exif(6))),
    "jpeg-restart-markers": ("JPEG", lambda: samples.encode(samples.picture(), "JPEG", restart_marker_blocks=1, exif=samples.gps_exif(3))),
    "png": ("PNG", lambda: phone_upload("PNG")),
    "png-animated": ("PNG", lambda: samples.encode(samples.picture(), "PNG", save_all=True, append_images=[samples.picture().rotate(90)], exif=samples.gps_exif(6))),
    "webp-lossy": ("WEBP", lambda: samples.encode(samples.picture(), "WEBP", quality=80)),
    "webp-extended": ("WEBP", lambda: phone_upload("WEBP")),
    "webp-lossless-alpha": ("WEBP", lambda: samples.encode(samples.picture(mode="RGBA"), "WEBP", lossless=True)),
    "webp-animated": ("WEBP", lambda: samples.encode(samples.picture(), "WEBP", save_all=True, append_images=[samples.picture().rotate(90)], exif=samples.gps_exif(6))),
}


@pytest.mark.parametrize("name", sorted(PROTECTED))
def test_lossless_rewrite_keeps_pixels_and_image_data_byte_identical(tmp_path, name):
    fmt, make = PROTECTED[name]
    source, target = tmp_path / "original", tmp_path / "served"
    source.write_bytes(make())
    with Image.open(source) as image:
        orientation = image.getexif().get(0x0112, 1)
    rewrite_metadata(source, target, fmt, build_rights_xmp(RIGHTS), orientation)

    assert image_data(target, fmt) == image_data(source, fmt)
    with Image.open(source) as before, Image.open(target) as after:
        frames = getattr(before, "n_frames", 1)
        assert getattr(after, "n_frames", 1) == frames
        for index in range(frames):
            before.seek(index)
            after.seek(index)
            assert after.convert("RGBA").tobytes() == before.convert("RGBA").tobytes()
        exif = after.getexif()
        assert not exif.get_ifd(GPS_IFD)
        assert dict(exif) == ({0x0112: orientation} if orientation != 1 else {})
        assert after.info.get("icc_profile") == before.info.get("icc_profile")
    served = target.read_bytes()
    for private in (b"PhoneMaker", b"12 Rue X", b"private", b"Ada's home", b"Steps: 28"):
        assert private not in served
    assert read_rights(target) == EXPECTED_RIGHTS
    assert [m.kind for m in detect(target, fmt)] == ["rights-reservation"]


def test_lossless_rewrite_of_a_broken_file_is_refused_and_leaves_nothing(tmp_path):
    source, target = tmp_path / "original", tmp_path / "served"
    source.write_bytes(samples.encode(samples.picture(), "PNG")[:-20])
    with pytest.raises(MalformedContainer):
        rewrite_metadata(source, target, "PNG", build_rights_xmp(RIGHTS))
    assert not target.exists()


@settings(max_examples=150, deadline=None)
@given(fmt=st.sampled_from(["JPEG", "PNG", "WEBP"]), data=st.binary(max_size=200))
def test_lossless_rewrite_raises_only_malformed_container(tmp_path_factory, fmt, data):
    folder = tmp_path_factory.mktemp("rewrite")
    seed = {"JPEG": b"\xff\xd8", "PNG": b"\x89PNG\r\n\x1a\n", "WEBP": b"RIFF\x10\x00\x00\x00WEBP"}[fmt]
    source = folder / "in"
    source.write_bytes(seed + data)
    try:
        rewrite_metadata(source, folder / "out", fmt, build_rights_xmp(RIGHTS))
    except MalformedContainer:
        assert not (folder / "out").exists()


def test_rights_need_a_known_data_mining_value():
    with pytest.raises(ValueError, match="unknown plus:DataMining"):
        RightsInfo(creator="Ada", copyright_notice="(c) Ada", data_mining="NO-ROBOTS")


def test_read_rights_of_a_file_without_xmp_is_empty(tmp_path):
    path = tmp_path / "plain.png"
    path.write_bytes(samples.encode(samples.picture(), "PNG"))
    assert read_rights(path) == {}


@pytest.mark.parametrize(
    "instance, artist, expected",
    [
        (ProtectionPolicy("label", "allow", "DMI-UNSPECIFIED"), ArtistProtection("reject", "label", "DMI-PROHIBITED"),
         ProtectionPolicy("reject", "label", "DMI-PROHIBITED")),
        (ProtectionPolicy("reject", "reject", "DMI-PROHIBITED-AIMLTRAINING"), ArtistProtection("allow", "label", "DMI-ALLOWED"),
         ProtectionPolicy("reject", "reject", "DMI-PROHIBITED-AIMLTRAINING")),
        (ProtectionPolicy("label", "label", "DMI-PROHIBITED-GENAIMLTRAINING"), ArtistProtection(),
         ProtectionPolicy("label", "label", "DMI-PROHIBITED-GENAIMLTRAINING")),
        (ProtectionPolicy("allow", "allow", "DMI-PROHIBITED-SEECONSTRAINT"), ArtistProtection(data_mining="DMI-ALLOWED"),
         ProtectionPolicy("allow", "allow", "DMI-PROHIBITED-SEECONSTRAINT")),
    ],
)
def test_artists_may_be_stricter_than_the_instance_never_looser(instance, artist, expected):
    assert effective_policy(instance, artist) == expected


def test_instance_policy_values_are_checked():
    with pytest.raises(ValueError, match="^ai_generated_local: must be one of"):
        ProtectionPolicy(ai_generated_local="block")
    with pytest.raises(ValueError, match="^data_mining: unknown"):
        ProtectionPolicy(data_mining="DMI-MAYBE")


def test_artist_overrides_are_read_from_their_stored_form():
    stored = {"ai_generated_remote": "reject", "watermark": True}
    artist = ArtistProtection.from_overrides(stored)
    assert effective_policy(ProtectionPolicy(), artist).ai_generated_remote == "reject"


def test_read_rights_names_a_broken_xmp_packet(tmp_path):
    path = tmp_path / "broken.jpg"
    path.write_bytes(samples.encode(samples.picture(), "JPEG", xmp=b"<x:xmpmeta><unclosed"))
    with pytest.raises(ValueError, match="not well-formed XML"):
        read_rights(path)
