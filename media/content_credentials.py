"""Verified Content Credentials: C2PA manifests checked with c2pa-python, and what they decide.

``media.provenance`` only *guesses* from metadata bytes. A C2PA manifest is signed, so
when one is present (the provenance scan found a manifest store) ``CredentialsCheck``
hands the untouched original to the C2PA library, which checks the claim signature,
the certificate chain and the hash that binds the manifest to the file's bytes. The
outcome is a ``ContentCredentials`` with one of four states:

- ``trusted``: everything checks and the signing certificate chains to one of the
  certificate authorities the instance trusts (``content_credentials_trust_anchors``);
- ``valid``: everything checks but the signer is not on that list (a self-signed or
  unknown certificate: the claims are intact, nobody vouches for who made them);
- ``invalid``: the signature, the certificate or the hash binding fails (the file was
  changed after signing, or the manifest was forged);
- ``unreadable``: the manifest is larger than ``max_manifest_bytes``, malformed, or in a
  form the library cannot read. Never treated as clean.

A file without a manifest costs nothing here: the library is only called when the
provenance scan (which every upload runs anyway) found a manifest store.

How a manifest decides AI provenance (``CredentialsCheck.decide``):

- Any readable manifest (trusted, valid or invalid) whose actions, in the active
  manifest or in an ingredient's, declare ``trainedAlgorithmicMedia`` or another
  generative-AI digital source type makes the file AI-generated (or AI-edited) under
  the instance's policy. A declaration of AI use is taken at its word whatever the
  signature says: nobody forges a label against themselves, and the byte scan finds
  the same term anyway.
- A **trusted** manifest that declares only non-AI sources (``digitalCapture``,
  ``digitalCreation``, ``humanEdits``...) decides the other way: the file is not AI even
  when metadata guesses differ (generator-like text, an XMP source type, metadata too
  large to scan). The hash binding covers those bytes too, so the signer vouched for the
  file as it is, and a signer the operator chose to trust outweighs a heuristic.
- A merely **valid** human-made manifest does *not* outweigh the guesses: anyone can
  make a certificate and sign "captured with a camera" over a generated image, so an
  untrusted signature proves integrity, not origin. Its claims are still kept and shown.
- An **invalid** manifest is refused or labelled as ``invalid_content_credentials`` says
  ("reject" or "label"), on top of whatever the AI policy decides.
- An **unreadable** manifest adds an ``unverifiable`` mark, so the AI policy decides as
  for any metadata that cannot be checked ("reject" refuses, "label" labels).

Derivatives do not carry the manifest: resizing or re-encoding breaks its hash binding
(and so does inserting our own rights metadata), and the instance holds no signing
certificate to issue a new one, so a copied manifest would only tell readers the file
was tampered with. The validated claims stay with the attachment instead and are shown
with every copy (API entity, work page, federated Note); with ``serve_originals`` the
untouched original, manifest and all, can be checked by anyone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from media.containers import MalformedContainer, walk_gif, walk_jpeg, walk_png, walk_riff
from media.provenance import (
    AI_EDITED,
    AI_GENERATED,
    AI_POSSIBLE,
    C2PA_MANIFEST,
    SYNTHETIC,
    UNVERIFIABLE,
    Decision,
    Policy,
    ProvenanceMark,
    decide,
)

TRUSTED, VALID, INVALID, UNREADABLE = "trusted", "valid", "invalid", "unreadable"
InvalidRule = Literal["reject", "label"]
INVALID_RULES: tuple[InvalidRule, ...] = ("label", "reject")

# Manifests past this size are not handed to the library (typical ones are 10-200 KB).
MAX_MANIFEST_BYTES = 2 * 1024 * 1024

_SOURCE_TYPE_PREFIXES = ("http://cv.iptc.org/newscodes/digitalsourcetype/", "http://c2pa.org/digitalsourcetype/")
_AI_SOURCE_TYPES = {
    "trainedAlgorithmicMedia": AI_GENERATED,
    "trainedAlgorithmicData": AI_GENERATED,
    "compositeWithTrainedAlgorithmicMedia": AI_EDITED,
    "compositeSynthetic": AI_EDITED,
}
# Source types that neither prove nor rule out generative AI.
_UNDECIDED_SOURCE_TYPES = {"virtualRecording": AI_POSSIBLE, "algorithmicMedia": SYNTHETIC, "composite": AI_POSSIBLE}
_TRAINING_LABELS = ("c2pa.training-mining", "cawg.training-mining")
_MIME_BY_FORMAT = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif", "AVIF": "image/avif"}
_WHERE = "C2PA manifest"
_MAX_TEXT = 200  # longest claim text kept (names, versions)
_MAX_ITEMS = 20  # most actions / source types / entries kept


@dataclass(frozen=True)
class ContentCredentials:
    """What a file's C2PA manifest says, and how far it checks out; stored as JSON on the row."""

    state: str  # trusted, valid, invalid or unreadable
    problem: str | None = None  # why it is invalid or unreadable, for people
    signer: str | None = None  # the signing certificate's subject (common name, organisation)
    issuer: str | None = None  # the organisation named in the signing certificate
    signed_at: str | None = None  # the trusted timestamp, when the manifest has one
    generator: str | None = None  # the app or device that made the claim ("Camera X 1.2")
    device: str | None = None  # the capture device, from the manifest's EXIF assertion
    actions: tuple[str, ...] = ()  # "created", "opened", "edited"... of the active manifest
    source_types: tuple[str, ...] = ()  # digital source types, of all manifests (IPTC terms)
    training_mining: dict[str, str] = field(default_factory=dict)  # "ai_generative_training" -> "notAllowed"

    @property
    def readable(self) -> bool:
        return self.state in (TRUSTED, VALID, INVALID)

    @property
    def ai_source_types(self) -> list[str]:
        return [term for term in self.source_types if term in _AI_SOURCE_TYPES]

    @property
    def declares_only_non_ai(self) -> bool:
        """Declares where it came from, and nothing of that is (or may be) generative AI."""
        return bool(self.source_types) and not any(
            term in _AI_SOURCE_TYPES or term in _UNDECIDED_SOURCE_TYPES for term in self.source_types
        )

    @property
    def summary(self) -> str:
        """One line for people: "signature valid, signed by X (Y)"."""
        who = f"signed by {self.signer}" if self.signer else "signer unknown"
        if self.issuer and self.issuer not in (self.signer or ""):
            who += f", issued by {self.issuer}"
        return {
            TRUSTED: f"verified, {who}",
            VALID: f"signature valid, {who} (not on this server's trust list)",
            INVALID: f"failed verification: {self.problem}",
            UNREADABLE: f"could not be read: {self.problem}",
        }.get(self.state, self.state)

    def as_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["actions"], record["source_types"] = list(self.actions), list(self.source_types)
        return {name: value for name, value in record.items() if value not in (None, [], {})}

    @classmethod
    def from_record(cls, record: Any) -> ContentCredentials | None:
        """The stored JSON back as credentials; None for no (or an unusable) record."""
        if not isinstance(record, dict) or record.get("state") not in (TRUSTED, VALID, INVALID, UNREADABLE):
            return None
        texts = {name: _text(record.get(name)) for name in ("problem", "signer", "issuer", "signed_at", "generator", "device")}
        mining = record.get("training_mining")
        return cls(
            state=record["state"],
            actions=tuple(_texts(record.get("actions"))),
            source_types=tuple(_texts(record.get("source_types"))),
            training_mining={_text(k) or "": _text(v) or "" for k, v in mining.items()} if isinstance(mining, dict) else {},
            **texts,
        )


def unreadable(problem: str) -> ContentCredentials:
    return ContentCredentials(UNREADABLE, problem=problem)


class CredentialsCheck:
    """Reads and weighs Content Credentials for the pipeline; one per process."""

    def __init__(
        self,
        trust_anchors: str = "",
        invalid_rule: InvalidRule = "label",
        max_manifest_bytes: int = MAX_MANIFEST_BYTES,
    ) -> None:
        if invalid_rule not in INVALID_RULES:
            raise ValueError(f"invalid_content_credentials: must be \"reject\" or \"label\", not {invalid_rule!r}")
        self.trust_anchors = trust_anchors
        self.invalid_rule = invalid_rule
        self.max_manifest_bytes = max_manifest_bytes
        self._context = None

    def _library_context(self):
        """The C2PA library's settings: never fetch anything over the network while reading."""
        if self._context is None:
            import c2pa  # a native library of its own: loaded on first use

            verify = {"remote_manifest_fetch": False, "ocsp_fetch": False, "verify_trust": bool(self.trust_anchors)}
            settings: dict[str, Any] = {"verify": verify}
            if self.trust_anchors:
                settings["trust"] = {"user_anchors": self.trust_anchors}
            self._context = c2pa.Context(settings=c2pa.Settings.from_dict(settings))
        return self._context

    @staticmethod
    def has_manifest(marks: list[ProvenanceMark]) -> bool:
        return any(mark.kind == C2PA_MANIFEST for mark in marks)

    def read(self, path: str | Path, fmt: str) -> ContentCredentials:
        """Validate the manifest of the file at ``path`` (format ``fmt``). Never raises for bad content."""
        try:
            size = manifest_size(path, fmt)
        except MalformedContainer as error:
            return unreadable(f"the file's structure cannot be followed ({error.problem})")
        if size > self.max_manifest_bytes:
            return unreadable(f"the manifest is {size} bytes, more than the {self.max_manifest_bytes} bytes checked here")
        import c2pa

        try:
            with open(path, "rb") as stream:
                reader = c2pa.Reader(_MIME_BY_FORMAT.get(fmt, "image/jpeg"), stream, None, self._library_context())
                with reader:
                    report = json.loads(reader.json())
        except c2pa.C2paError as error:
            return unreadable(_library_problem(error))
        except (ValueError, OSError) as error:
            return unreadable(f"the manifest cannot be parsed ({type(error).__name__})")
        return credentials_from_report(report)

    def decide(self, marks: list[ProvenanceMark], credentials: ContentCredentials | None, policy: Policy) -> Decision:
        """The provenance decision once the manifest's verdict is known (see the module notes)."""
        decision = decide(weigh(marks, credentials), policy)
        if credentials is None or credentials.state != INVALID:
            return decision
        message = f"Content Credentials failed verification: {credentials.problem}"
        if self.invalid_rule == "reject":
            return Decision("reject", f"rejected: {message}", decision.marks)
        if decision.action == "accept":
            return Decision("label", f"labelled: {message}", decision.marks)
        return decision


def weigh(marks: list[ProvenanceMark], credentials: ContentCredentials | None) -> list[ProvenanceMark]:
    """The marks the AI policy weighs once the manifest has been validated."""
    if credentials is None:
        return list(marks)
    if credentials.state == UNREADABLE:
        return [ProvenanceMark(UNVERIFIABLE, f"Content Credentials could not be read: {credentials.problem}", _WHERE), *marks]
    claimed = [
        ProvenanceMark(
            _AI_SOURCE_TYPES.get(term) or _UNDECIDED_SOURCE_TYPES[term],
            f"Content Credentials ({_signed_by(credentials)}) declare {term}",
            _WHERE,
        )
        for term in credentials.source_types
        if term in _AI_SOURCE_TYPES or term in _UNDECIDED_SOURCE_TYPES
    ]
    if credentials.state == TRUSTED and credentials.declares_only_non_ai:
        outweighed = (AI_GENERATED, AI_EDITED, AI_POSSIBLE, SYNTHETIC, UNVERIFIABLE)
        return [mark for mark in marks if mark.kind not in outweighed]
    return claimed + list(marks)


def _signed_by(credentials: ContentCredentials) -> str:
    state = {TRUSTED: "verified", VALID: "signature valid", INVALID: "failed verification"}[credentials.state]
    return f"{state}, signed by {credentials.signer}" if credentials.signer else state


def credentials_from_report(report: dict[str, Any]) -> ContentCredentials:
    """``ContentCredentials`` from the library's JSON report of a manifest store."""
    manifests = report.get("manifests") if isinstance(report.get("manifests"), dict) else {}
    active = manifests.get(report.get("active_manifest")) or {}
    if not isinstance(active, dict):
        active = {}
    state = {"Trusted": TRUSTED, "Valid": VALID}.get(report.get("validation_state"), INVALID)
    signature = active.get("signature_info") if isinstance(active.get("signature_info"), dict) else {}
    source_types: list[str] = []
    for manifest in manifests.values():  # ingredients' manifests too: an AI parent counts
        for action in _actions(manifest):
            term = _source_type(action.get("digitalSourceType"))
            if term and term not in source_types:
                source_types.append(term)
    return ContentCredentials(
        state=state,
        problem=_failures(report) if state == INVALID else None,
        signer=_text(signature.get("common_name")) or _text(signature.get("issuer")),
        issuer=_text(signature.get("issuer")),
        signed_at=_text(signature.get("time")),
        generator=_generator(active),
        device=_device(active),
        actions=tuple(dict.fromkeys(_action_name(action) for action in _actions(active)))[:_MAX_ITEMS],
        source_types=tuple(source_types[:_MAX_ITEMS]),
        training_mining=_training_mining(active),
    )


def _assertions(manifest: Any) -> list[dict]:
    assertions = manifest.get("assertions") if isinstance(manifest, dict) else None
    return [item for item in assertions if isinstance(item, dict)] if isinstance(assertions, list) else []


def _actions(manifest: Any) -> list[dict]:
    found = []
    for assertion in _assertions(manifest):
        label = str(assertion.get("label", ""))
        data = assertion.get("data")
        if label.startswith("c2pa.actions") and isinstance(data, dict) and isinstance(data.get("actions"), list):
            found += [action for action in data["actions"] if isinstance(action, dict)]
    return found


def _action_name(action: dict) -> str:
    name = _text(action.get("action")) or "unknown"
    return name.removeprefix("c2pa.")


def _source_type(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    for prefix in _SOURCE_TYPE_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :][:_MAX_TEXT] or None
    return None


def _generator(manifest: dict) -> str | None:
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], dict):
        name, version = _text(info[0].get("name")), _text(info[0].get("version"))
        if name:
            return f"{name} {version}" if version and version not in name else name
    return _text(manifest.get("claim_generator"))


def _device(manifest: dict) -> str | None:
    for assertion in _assertions(manifest):
        data = assertion.get("data")
        if assertion.get("label") == "stds.exif" and isinstance(data, dict):
            parts = [_text(data.get(key)) for key in ("exif:Make", "exif:Model")]
            found = " ".join(part for part in parts if part)
            if found:
                return found[:_MAX_TEXT]
    return None


def _training_mining(manifest: dict) -> dict[str, str]:
    entries: dict[str, str] = {}
    for assertion in _assertions(manifest):
        data = assertion.get("data")
        if assertion.get("label") in _TRAINING_LABELS and isinstance(data, dict) and isinstance(data.get("entries"), dict):
            for key, entry in list(data["entries"].items())[:_MAX_ITEMS]:
                use = _text(entry.get("use")) if isinstance(entry, dict) else None
                if use:
                    entries[str(key).split(".", 1)[-1][:_MAX_TEXT]] = use
    return entries


def _failures(report: dict) -> str:
    results = report.get("validation_results")
    codes: list[str] = []
    if isinstance(results, dict):
        active = results.get("activeManifest")
        groups = [active] if isinstance(active, dict) else []
        deltas = results.get("ingredientDeltas")
        if isinstance(deltas, list):
            groups += [delta.get("validationDeltas") for delta in deltas if isinstance(delta, dict)]
        for group in groups:
            failures = group.get("failure") if isinstance(group, dict) else None
            for failure in failures if isinstance(failures, list) else []:
                code = _text(failure.get("code")) if isinstance(failure, dict) else None
                if code and code != "signingCredential.untrusted" and code not in codes:
                    codes.append(code)
    statuses = report.get("validation_status")  # older reports
    if not codes and isinstance(statuses, list):
        codes = [code for status in statuses if isinstance(status, dict) and (code := _text(status.get("code")))]
    return ", ".join(codes[:5]) or "the manifest does not match the file"


def _library_problem(error: Exception) -> str:
    kind = type(error).__name__.lstrip("_").removeprefix("C2pa") or "Error"
    detail = str(error).split(":", 1)[-1].strip()[:120]
    return f"{kind}: {detail}" if detail else kind


def _text(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())[:_MAX_TEXT]
    return value or None


def _texts(value: Any) -> list[str]:
    return [text for item in value if (text := _text(item))][:_MAX_ITEMS] if isinstance(value, list) else []


def manifest_size(path: str | Path, fmt: str) -> int:
    """How many bytes the embedded C2PA manifest store takes (the whole file for other formats)."""
    with open(path, "rb") as fp:
        if fmt == "JPEG":
            return sum(
                part.payload_size
                for part in walk_jpeg(fp)
                if part.kind == 0xEB and part.payload is not None and part.payload.startswith(b"JP")
            )
        walker, kind = {"PNG": (walk_png, b"caBX"), "WEBP": (walk_riff, b"C2PA"), "GIF": (walk_gif, b"!\xffC2PA_GIF")}.get(
            fmt, (None, None)
        )
        if walker is None:
            return fp.seek(0, 2)
        return sum(part.payload_size for part in walker(fp, 0) if isinstance(part.kind, bytes) and part.kind.startswith(kind))
