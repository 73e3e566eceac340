"""Content Credentials read from real signed files, and how they weigh in the AI decision."""

from __future__ import annotations

import pytest

from media.content_credentials import (
    INVALID,
    TRUSTED,
    UNREADABLE,
    VALID,
    ContentCredentials,
    CredentialsCheck,
)
from media.provenance import C2PA_MANIFEST, ProvenanceMark, detect_in
from tests.media import samples
from tests.media.credentials import SigningAuthority, malformed, plain, tampered


@pytest.fixture(scope="module")
def authority() -> SigningAuthority:
    return SigningAuthority.create()


def _read(tmp_path, data: bytes, fmt="JPEG", check: CredentialsCheck | None = None) -> ContentCredentials:
    path = tmp_path / f"upload.{fmt.lower()}"
    path.write_bytes(data)
    return (check or CredentialsCheck()).read(path, fmt)


def test_a_capture_manifest_reads_back_with_its_claims(tmp_path, authority):
    credentials = _read(tmp_path, authority.sign(plain()))
    assert credentials.state == VALID
    assert credentials.signer == "Test Camera Signer" and credentials.issuer == "Test Camera Works"
    assert credentials.generator == "Test Camera 2.1"
    assert credentials.actions == ("created",) and credentials.source_types == ("digitalCapture",)
    assert credentials.training_mining == {"ai_generative_training": "notAllowed", "ai_inference": "notAllowed"}
    assert credentials.declares_only_non_ai and "not on this server's trust list" in credentials.summary


def test_a_signer_under_a_trusted_authority_is_trusted(tmp_path, authority):
    check = CredentialsCheck(trust_anchors=authority.root_pem.decode())
    assert _read(tmp_path, authority.sign(plain()), check=check).state == TRUSTED
    stranger = SigningAuthority.create("Somebody Else")
    assert _read(tmp_path, stranger.sign(plain()), check=check).state == VALID


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_png_webp_and_gif_manifests_are_read_too(tmp_path, authority, fmt):
    signed = authority.sign(plain(fmt), fmt, "digitalCreation")
    credentials = _read(tmp_path, signed, fmt)
    assert credentials.state == VALID and credentials.source_types == ("digitalCreation",)
    assert _read(tmp_path, signed, fmt, CredentialsCheck(max_manifest_bytes=1000)).state == UNREADABLE


def test_a_file_changed_after_signing_is_invalid_and_says_why(tmp_path, authority):
    credentials = _read(tmp_path, tampered(authority.sign(plain())))
    assert credentials.state == INVALID and "dataHash.mismatch" in credentials.problem
    assert credentials.source_types == ("digitalCapture",)  # the claims are still shown, as failed


def test_a_broken_manifest_is_unreadable_not_an_error(tmp_path, authority):
    credentials = _read(tmp_path, malformed(authority.sign(plain())))
    assert credentials.state == UNREADABLE and credentials.problem


def test_an_oversized_manifest_is_unreadable_without_being_parsed(tmp_path, authority):
    signed = authority.sign(plain(), padding=2_200_000)  # a 2.2 MB thumbnail inside the manifest
    credentials = _read(tmp_path, signed)
    assert credentials.state == UNREADABLE and "more than the 2097152 bytes checked here" in credentials.problem
    assert _read(tmp_path, signed, check=CredentialsCheck(max_manifest_bytes=4_000_000)).state == VALID


def test_a_fake_store_that_only_looks_like_c2pa_is_unreadable(tmp_path):
    jpeg = samples.jpeg_insert_after_soi(plain(), *samples.jpeg_app11_segments(samples.c2pa_store("digitalCapture")))
    assert _read(tmp_path, jpeg).state == UNREADABLE


def test_the_record_round_trips_and_bad_records_are_ignored(tmp_path, authority):
    credentials = _read(tmp_path, authority.sign(plain(), source_type="trainedAlgorithmicMedia", generator="Gen"))
    assert ContentCredentials.from_record(credentials.as_record()) == credentials
    assert ContentCredentials.from_record({"state": "made-up"}) is None
    assert ContentCredentials.from_record("valid") is None


AI = ProvenanceMark("ai-generated", "Stable Diffusion WebUI generation parameters", "PNG tEXt 'parameters'")
MANIFEST = ProvenanceMark(C2PA_MANIFEST, "C2PA manifest present", "JPEG APP11 (C2PA)")


def _credentials(state: str, *source_types: str) -> ContentCredentials:
    return ContentCredentials(state, signer="Signer", source_types=source_types, problem="assertion.dataHash.mismatch")


@pytest.mark.parametrize(
    ("credentials", "marks", "policy", "action", "named"),
    [
        # A trusted human-made claim outweighs a metadata guess.
        (_credentials(TRUSTED, "digitalCapture"), [MANIFEST, AI], "reject", "accept", None),
        # A merely valid one does not: anyone can sign "captured" over a generated image.
        (_credentials(VALID, "digitalCapture"), [MANIFEST, AI], "reject", "reject", "Stable Diffusion"),
        # A declared AI source decides, whoever signed it.
        (_credentials(VALID, "trainedAlgorithmicMedia"), [MANIFEST], "reject", "reject", "declare trainedAlgorithmicMedia"),
        (_credentials(TRUSTED, "compositeWithTrainedAlgorithmicMedia"), [MANIFEST], "label", "label", "compositeWith"),
        # Unreadable is never clean: the AI policy decides as for uncheckable metadata.
        (ContentCredentials(UNREADABLE, problem="Verify: unexpected end"), [MANIFEST], "reject", "reject", "could not be read"),
        (ContentCredentials(UNREADABLE, problem="Verify: unexpected end"), [MANIFEST], "label", "label", "could not be read"),
        # Invalid is labelled by default, even where AI images are allowed.
        (_credentials(INVALID, "digitalCapture"), [MANIFEST], "allow", "label", "failed verification"),
        (_credentials(VALID, "digitalCapture"), [MANIFEST], "reject", "accept", None),
    ],
)
def test_how_a_manifest_weighs_in_the_decision(credentials, marks, policy, action, named):
    decision = CredentialsCheck().decide(marks, credentials, policy)
    assert decision.action == action
    if named:
        assert named in decision.message


def test_an_invalid_manifest_is_refused_when_the_rule_says_so():
    decision = CredentialsCheck(invalid_rule="reject").decide([MANIFEST], _credentials(INVALID, "digitalCapture"), "allow")
    assert decision.action == "reject" and "failed verification: assertion.dataHash.mismatch" in decision.message
    with pytest.raises(ValueError, match="invalid_content_credentials"):
        CredentialsCheck(invalid_rule="allow")


def test_the_provenance_scan_finds_every_signed_manifest(tmp_path, authority):
    import io

    for fmt in ("JPEG", "PNG"):
        marks = detect_in(io.BytesIO(authority.sign(plain(fmt), fmt)), fmt)
        assert CredentialsCheck.has_manifest(marks)
    assert not CredentialsCheck.has_manifest(detect_in(io.BytesIO(plain()), "JPEG"))


def test_a_trust_anchor_file_must_hold_certificates(tmp_path, authority):
    from media.rules import MediaRules

    good = authority.write_root(tmp_path)
    assert MediaRules("https://art.example", content_credentials_trust_anchors=str(good)).trust_anchors_pem()
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    for path in (bad, tmp_path / "missing.pem"):
        with pytest.raises(ValueError, match="^content_credentials_trust_anchors: "):
            MediaRules("https://art.example", content_credentials_trust_anchors=str(path))


def test_a_composite_is_neither_labelled_nor_taken_as_human_made():
    composite = _credentials(TRUSTED, "composite")
    assert not composite.declares_only_non_ai
    assert CredentialsCheck().decide([MANIFEST], composite, "reject").action == "accept"
    assert CredentialsCheck().decide([MANIFEST, AI], composite, "reject").action == "reject"
