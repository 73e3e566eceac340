"""AI-provenance detection on real files, attempts to hide marks, and the policy decision."""

from __future__ import annotations

import io
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from media.containers import MalformedContainer, walk_gif, walk_jpeg, walk_png, walk_riff
from media.provenance import (
    AI_EDITED,
    AI_GENERATED,
    C2PA_MANIFEST,
    SYNTHETIC,
    UNVERIFIABLE,
    ProvenanceMark,
    decide,
    detect,
    detect_in,
    detect_stealth_metadata,
)
from tests.media import samples


def marks_of(data: bytes, fmt: str, **options) -> list[ProvenanceMark]:
    return detect_in(io.BytesIO(data), fmt, **options)


def kinds(marks) -> set[str]:
    return {mark.kind for mark in marks}


def jpeg() -> bytes:
    return samples.encode(samples.picture(), "JPEG")


def png() -> bytes:
    return samples.encode(samples.picture(), "PNG")


def webp() -> bytes:
    return samples.encode(samples.picture(), "WEBP")


AI_SAMPLES = {
    "xmp-jpeg": (lambda: samples.encode(samples.picture(), "JPEG", xmp=samples.xmp_with_source_type("trainedAlgorithmicMedia")), "JPEG", "XMP says trainedAlgorithmicMedia"),
    "xmp-webp": (lambda: samples.encode(samples.picture(), "WEBP", xmp=samples.xmp_with_source_type("trainedAlgorithmicMedia")), "WEBP", "XMP says trainedAlgorithmicMedia"),
    "xmp-png": (lambda: samples.png_with_text({"XML:com.adobe.xmp": samples.xmp_with_source_type("trainedAlgorithmicMedia").decode()}, compressed=True), "PNG", "XMP says trainedAlgorithmicMedia"),
    "xmp-ai-system": (lambda: samples.encode(samples.picture(), "JPEG", xmp=samples.xmp_with_source_type("digitalCreation", "<Iptc4xmpExt:AISystemUsed>ImageMaker 3</Iptc4xmpExt:AISystemUsed>")), "JPEG", "XMP names the AI system used: ImageMaker 3"),
    "c2pa-jpeg": (lambda: samples.jpeg_insert_after_soi(jpeg(), *samples.jpeg_app11_segments(samples.c2pa_store("trainedAlgorithmicMedia"))), "JPEG", "C2PA manifest says trainedAlgorithmicMedia"),
    "c2pa-png": (lambda: samples.png_insert_after_ihdr(png(), samples.png_chunk(b"caBX", samples.c2pa_store("trainedAlgorithmicMedia"))), "PNG", "C2PA manifest says trainedAlgorithmicMedia"),
    "c2pa-webp": (lambda: samples.webp_append_chunk(webp(), samples.riff_chunk(b"C2PA", samples.c2pa_store("trainedAlgorithmicMedia"))), "WEBP", "C2PA manifest says trainedAlgorithmicMedia"),
    "c2pa-gif": (lambda: samples.gif_with_c2pa(samples.c2pa_store("trainedAlgorithmicMedia")), "GIF", "C2PA manifest says trainedAlgorithmicMedia"),
    "c2pa-firefly": (lambda: samples.jpeg_insert_after_soi(jpeg(), *samples.jpeg_app11_segments(samples.c2pa_store("digitalCreation", extra_label="com.adobe.generative-ai"))), "JPEG", "C2PA manifest carries Adobe's generative-AI assertion"),
    "c2pa-jpeg-split": (lambda: samples.jpeg_insert_after_soi(jpeg(), *samples.jpeg_app11_segments(samples.c2pa_store("trainedAlgorithmicMedia", padding=1000), split=1190)), "JPEG", "C2PA manifest says trainedAlgorithmicMedia"),
    "a1111-png": (lambda: samples.png_with_text({"parameters": samples.A1111_TEXT}), "PNG", "Stable Diffusion WebUI generation parameters"),
    "a1111-jpeg-exif": (lambda: samples.encode(samples.picture(), "JPEG", exif=samples.a1111_user_comment_exif()), "JPEG", "Stable Diffusion WebUI generation parameters"),
    "a1111-webp-exif": (lambda: samples.encode(samples.picture(), "WEBP", exif=samples.a1111_user_comment_exif()), "WEBP", "Stable Diffusion WebUI generation parameters"),
    "comfyui": (lambda: samples.png_with_text({"prompt": '{"3": {"class_type": "KSampler", "inputs": {"seed": 1}}}', "workflow": '{"nodes": []}'}), "PNG", "ComfyUI prompt graph"),
    "novelai": (lambda: samples.png_with_text({"Software": "NovelAI", "Description": "a cat", "Comment": '{"uc": "bad hands", "steps": 28, "sampler": "k_euler"}'}), "PNG", "NovelAI software tag"),
    "invokeai": (lambda: samples.png_with_text({"invokeai_metadata": '{"model": "sd-1.5"}'}), "PNG", "InvokeAI invokeai_metadata"),
}


@pytest.mark.parametrize("name", sorted(AI_SAMPLES))
def test_each_ai_mark_is_detected_and_each_policy_applied(tmp_path, name):
    make, fmt, detail = AI_SAMPLES[name]
    path = tmp_path / "upload"
    path.write_bytes(make())
    marks = detect(path, fmt)
    assert any(mark.kind == AI_GENERATED and mark.detail == detail for mark in marks), marks
    rejected = decide(marks, "reject")
    assert rejected.action == "reject"
    assert rejected.message.startswith(f"rejected: {detail}")
    assert decide(marks, "label").action == "label"
    assert decide(marks, "allow").action == "accept"


def test_c2pa_manifest_presence_is_reported_with_its_carrier():
    data = samples.png_insert_after_ihdr(png(), samples.png_chunk(b"caBX", samples.c2pa_store("digitalCapture")))
    marks = marks_of(data, "PNG")
    assert marks == [ProvenanceMark(C2PA_MANIFEST, "C2PA manifest present", "PNG caBX (C2PA)")]
    assert decide(marks, "reject").action == "accept"


@pytest.mark.parametrize(
    "term, kind, action_under_reject",
    [
        ("compositeWithTrainedAlgorithmicMedia", AI_EDITED, "reject"),
        ("compositeSynthetic", AI_EDITED, "reject"),
        ("algorithmicMedia", SYNTHETIC, "label"),
        ("digitalCapture", None, "accept"),
        ("humanEdits", None, "accept"),
    ],
)
def test_source_types_are_graded(term, kind, action_under_reject):
    data = samples.encode(samples.picture(), "JPEG", xmp=samples.xmp_with_source_type(term))
    marks = marks_of(data, "JPEG")
    assert [m.kind for m in marks if m.kind not in ("rights-reservation",)] == ([kind] if kind else [])
    assert decide(marks, "reject").action == action_under_reject


@pytest.mark.parametrize("fmt, make", [("JPEG", jpeg), ("PNG", png), ("WEBP", webp), ("GIF", lambda: samples.animated_gif(2))])
def test_plain_images_carry_no_marks(fmt, make):
    marks = marks_of(make(), fmt)
    assert marks == []
    assert decide(marks, "reject") .message == "accepted: no AI-provenance mark found"


# -- attempts to hide a mark ------------------------------------------------------------


def test_oversized_text_chunk_is_unverifiable_not_clean():
    filler = samples.A1111_TEXT + " " * 5000
    data = samples.png_with_text({"parameters": filler})
    marks = marks_of(data, "PNG", payload_limit=4096)
    assert kinds(marks) == {UNVERIFIABLE}
    decision = decide(marks, "reject")
    assert decision.action == "reject"
    assert "too large to inspect" in decision.message
    assert decide(marks, "label").action == "label"


def test_compressed_text_that_inflates_past_the_limit_is_unverifiable():
    bomb = samples.A1111_TEXT + "\n" + "0" * 3_000_000
    data = samples.png_with_text({"parameters": bomb}, compressed=True)
    assert len(data) < 50_000
    marks = marks_of(data, "PNG", payload_limit=1024 * 1024)
    assert kinds(marks) == {UNVERIFIABLE}
    assert "expands beyond" in marks[0].detail


def test_oversized_c2pa_store_still_reports_a_manifest():
    store = samples.c2pa_store("trainedAlgorithmicMedia", padding=20_000)
    data = samples.webp_append_chunk(webp(), samples.riff_chunk(b"C2PA", store))
    assert kinds(marks_of(data, "WEBP", payload_limit=10_000)) == {C2PA_MANIFEST, UNVERIFIABLE}


def test_chunk_with_bad_crc_hiding_a_mark_is_unverifiable():
    chunk = samples.png_chunk(b"tEXt", b"parameters\x00" + samples.A1111_TEXT.encode(), crc=0)
    marks = marks_of(samples.png_insert_after_ihdr(png(), chunk), "PNG")
    assert kinds(marks) == {UNVERIFIABLE}
    assert "bad CRC" in marks[0].detail


def test_chunk_length_running_past_the_end_is_unverifiable():
    data = png()
    lying = data[:33] + b"\x7f\xff\xff\xfftEXtparameters\x00" + samples.A1111_TEXT.encode()
    assert kinds(marks_of(lying, "PNG")) == {UNVERIFIABLE}


def test_mark_appended_after_the_end_of_image_is_found():
    trailer = samples.xmp_with_source_type("trainedAlgorithmicMedia")
    for fmt, data in (("JPEG", jpeg()), ("PNG", png())):
        assert AI_GENERATED in kinds(marks_of(data + trailer, fmt)), fmt


def test_mark_in_an_unknown_chunk_or_segment_is_found():
    xmp = samples.xmp_with_source_type("trainedAlgorithmicMedia")
    hidden_png = samples.png_insert_after_ihdr(png(), samples.png_chunk(b"zzZz", xmp))
    hidden_jpeg = samples.jpeg_insert_after_soi(jpeg(), samples.jpeg_segment(0xE9, xmp))
    hidden_webp = samples.webp_append_chunk(webp(), samples.riff_chunk(b"ZZZZ", xmp))
    assert AI_GENERATED in kinds(marks_of(hidden_png, "PNG"))
    assert AI_GENERATED in kinds(marks_of(hidden_jpeg, "JPEG"))
    assert AI_GENERATED in kinds(marks_of(hidden_webp, "WEBP"))


def test_zlib_garbage_in_a_compressed_chunk_is_unverifiable():
    chunk = samples.png_chunk(b"zTXt", b"parameters\x00\x00" + b"not zlib at all")
    assert kinds(marks_of(samples.png_insert_after_ihdr(png(), chunk), "PNG")) == {UNVERIFIABLE}


def test_unknown_policy_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown AI-provenance policy"):
        decide([], "maybe")


# -- property tests ------------------------------------------------------------------

SEEDS = {
    "GIF": AI_SAMPLES["c2pa-gif"][0](),
    "JPEG": AI_SAMPLES["c2pa-jpeg"][0](),
    "PNG": AI_SAMPLES["novelai"][0](),
    "WEBP": AI_SAMPLES["c2pa-webp"][0](),
}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(fmt=st.sampled_from(["JPEG", "PNG", "WEBP", "GIF", "AVIF"]), data=st.binary(max_size=400))
def test_detection_never_raises_on_arbitrary_bytes(fmt, data):
    for candidate in (data, SEEDS.get(fmt, b"")[:12] + data):
        marks = marks_of(candidate, fmt)
        assert all(isinstance(mark, ProvenanceMark) for mark in marks)


@settings(max_examples=200, deadline=None)
@given(fmt=st.sampled_from(sorted(SEEDS)), position=st.floats(min_value=0, max_value=1, exclude_max=True))
def test_truncated_ai_files_are_never_reported_clean(fmt, position):
    original = SEEDS[fmt]
    truncated = original[: int(position * len(original))]
    marks = marks_of(truncated, fmt)
    assert kinds(marks) & {AI_GENERATED, UNVERIFIABLE}
    assert decide(marks, "reject").action == "reject"


@settings(max_examples=300, deadline=None)
@given(fmt=st.sampled_from(sorted(SEEDS)), data=st.binary(max_size=300))
def test_walkers_raise_only_malformed_container(fmt, data):
    walker = {"GIF": walk_gif, "JPEG": walk_jpeg, "PNG": walk_png, "WEBP": walk_riff}[fmt]
    candidate = SEEDS[fmt][:40] + data
    try:
        for _ in walker(io.BytesIO(candidate)):
            pass
    except MalformedContainer:
        pass


def test_inflate_guard_accepts_small_text():
    text = samples.A1111_TEXT.encode()
    chunk = samples.png_chunk(b"zTXt", b"parameters\x00\x00" + zlib.compress(text))
    assert AI_GENERATED in kinds(marks_of(samples.png_insert_after_ihdr(png(), chunk), "PNG"))


@pytest.mark.parametrize("magic", [b"stealth_pnginfo", b"stealth_pngcomp"])
def test_novelai_stealth_metadata_in_alpha_is_detected(magic):
    image = samples.with_stealth_metadata(samples.picture((40, 30), mode="RGBA"), magic)
    reopened = Image.open(io.BytesIO(samples.encode(image, "PNG")))
    reopened.load()
    assert detect_stealth_metadata(reopened) == [ProvenanceMark(AI_GENERATED, "NovelAI stealth metadata", "alpha channel")]


def test_alpha_without_stealth_magic_is_clean():
    assert detect_stealth_metadata(samples.picture((40, 30), mode="RGBA")) == []
    assert detect_stealth_metadata(samples.picture((40, 30))) == []


def test_source_type_split_across_extended_xmp_segments_is_found():
    packet = samples.xmp_with_source_type("trainedAlgorithmicMedia")
    split = packet.index(b"trainedAlgorithmic") + 5
    guid = b"0123456789ABCDEF0123456789ABCDEF"
    header = b"http://ns.adobe.com/xmp/extension/\x00" + guid + len(packet).to_bytes(4, "big")
    second = samples.jpeg_segment(0xE1, header + split.to_bytes(4, "big") + packet[split:])
    first = samples.jpeg_segment(0xE1, header + (0).to_bytes(4, "big") + packet[:split])
    marks = marks_of(samples.jpeg_insert_after_soi(jpeg(), second, first), "JPEG")
    assert ProvenanceMark(AI_GENERATED, "XMP says trainedAlgorithmicMedia", "JPEG APP1 (extended XMP)") in marks


MARK_KINDS = [AI_GENERATED, AI_EDITED, UNVERIFIABLE, "ai-possible", SYNTHETIC, C2PA_MANIFEST, "rights-reservation"]


@given(kinds_found=st.lists(st.sampled_from(MARK_KINDS), max_size=6))
def test_decision_follows_the_policy_for_any_marks(kinds_found):
    marks = [ProvenanceMark(kind, f"mark {index}", "somewhere") for index, kind in enumerate(kinds_found)]
    found = set(kinds_found)
    strong = {AI_GENERATED, AI_EDITED} & found
    weak = {"ai-possible", SYNTHETIC} & found
    assert decide(marks, "allow").action == "accept"
    rejected = decide(marks, "reject")
    expected = "reject" if strong or UNVERIFIABLE in found else "label" if weak else "accept"
    assert rejected.action == expected
    if expected == "reject":
        first = next(m for m in marks if m.kind in (strong or {UNVERIFIABLE}))
        assert first.detail in rejected.message
    assert decide(marks, "label").action == ("accept" if expected == "accept" else "label")
