"""From an artist's upload to stored files and a ``MediaAttachment``, under the instance's rules.

``MediaPipeline.accept_upload`` streams the upload through ``media.intake``, reads the
AI-provenance marks on the untouched original (validating a C2PA manifest when there is
one, ``media.content_credentials``) and applies the artist's effective policy
(the instance's, made stricter by the artist): "reject" refuses the upload naming the
mark, "label" records it in ``ai_label``. Then either

- a normal upload: display image and thumbnail (WebP and a JPEG/PNG fallback), EXIF and
  GPS gone, the artist's rights XMP inside, the watermark when the instance or artist
  wants one; or
- a pre-protected upload (Glaze and the like): served byte for byte as uploaded, private
  metadata removed losslessly and the rights XMP added, never resized or watermarked.

The original is kept privately. Files go into the ``MediaStore`` under content keys and
the row is created last; on any refusal or error the stored files this upload created,
its temporary files and the row are all gone.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image

from fediserver.models import Account, MediaAttachment
from media.blurhash import encode_blurhash
from media.containers import MalformedContainer
from media.content_credentials import ContentCredentials, CredentialsCheck
from media.derivatives import DerivativeMaker, FocalPoint, decode_size
from media.intake import DraftSize, InspectedImage, IntakeLimits, MediaRejected, intake
from media.labels import marks_json
from media.lossless import rewrite_metadata
from media.metadata import RightsInfo, build_rights_xmp
from media.policy import ArtistProtection, ProtectionPolicy, effective_policy
from media.provenance import Decision, Policy, detect, detect_stealth_metadata
from media.rules import MediaRules
from media.storage import MediaStore
from media.storing import EXTENSION_BY_FORMAT, StoredFiles, scratch_folder
from media.watermark import WatermarkSettings

LOSSLESS_FORMATS = ("JPEG", "PNG", "WEBP")
_WATERMARK_FIELDS = ("enabled", "text", "position", "opacity", "text_height")

Source = AsyncIterable[bytes] | str | os.PathLike


@dataclass(frozen=True)
class CheckedImage:
    image: InspectedImage
    decision: Decision
    credentials: ContentCredentials | None = None  # the validated C2PA manifest, if any

    @property
    def ai_label(self) -> str | None:
        return self.decision.message if self.decision.action == "label" else None

    @property
    def credentials_record(self) -> dict | None:
        return self.credentials.as_record() if self.credentials is not None else None


class MediaPipeline:
    """The media room as the rest of the server uses it: one per process."""

    def __init__(self, rules: MediaRules, store: MediaStore, work_dir: Path) -> None:
        self.rules = rules
        self.store = store
        self.work_dir = Path(work_dir)
        # Every decode (derivatives, provenance, lossless rewriting) takes one of its slots.
        self.maker = DerivativeMaker(rules.derivatives, rules.decode_concurrency)
        self.credentials = CredentialsCheck(rules.trust_anchors_pem(), rules.invalid_content_credentials)

    def artist_policy(self, account: Account) -> ProtectionPolicy:
        return effective_policy(self.rules.protection, ArtistProtection.from_overrides(account.protection_overrides or {}))

    async def check(self, source: Source, folder: Path, limits: IntakeLimits, policy: Policy, *,
                    keep_decoded: DraftSize | None = None, **claims) -> CheckedImage:
        """Intake plus provenance on the original bytes; raises ``MediaRejected`` under "reject".

        ``keep_decoded``: keep the check's decode for the derivatives (see ``intake``).
        A file with a C2PA manifest has it validated (``media.content_credentials``),
        and a valid manifest's claims weigh in the decision.
        """
        image = await intake(source, folder, limits, keep_decoded=keep_decoded, **claims)
        marks = await self.maker.run(_provenance_marks, image)
        credentials = None
        if self.credentials.has_manifest(marks):
            credentials = await self.maker.run(self.credentials.read, image.path, image.format)
        decision = self.credentials.decide(marks, credentials, policy)
        if decision.action == "reject":
            raise MediaRejected("ai-generated", decision.message)
        return CheckedImage(image, decision, credentials)

    async def accept_upload(
        self,
        account: Account,
        source: Source,
        *,
        declared_type: str | None = None,
        filename: str | None = None,
        description: str = "",
        focal_point: FocalPoint = FocalPoint(),
        pre_protected: bool = False,
    ) -> MediaAttachment:
        """Check, transform and store one upload by a local artist; raises ``MediaRejected``."""
        policy = self.artist_policy(account)
        stored = StoredFiles(self.store)
        async with scratch_folder(self.work_dir) as folder:
            try:
                # One decode serves the checks and every derivative (reduced for JPEG).
                derivatives = self.rules.derivatives
                checked = await self.check(
                    source, folder, self.rules.limits, policy.ai_generated_local,
                    declared_type=declared_type, filename=filename,
                    keep_decoded=None if pre_protected else (
                        lambda width, height, orientation: decode_size(width, height, orientation, derivatives)),
                )
                xmp = build_rights_xmp(self.rights_for(account, policy))
                fields = await (self._store_pre_protected if pre_protected else self._store_derivatives)(
                    account, checked.image, folder, stored, xmp, focal_point
                )
                return await MediaAttachment.create(
                    account=account,
                    description=description,
                    sha256=checked.image.sha256,
                    original_key=await stored.put(checked.image.path, EXTENSION_BY_FORMAT[checked.image.format]),
                    pre_protected=pre_protected,
                    ai_label=checked.ai_label,
                    content_credentials=checked.credentials_record,
                    ai_marks=marks_json(checked.decision.marks),
                    focal_x=focal_point.x,
                    focal_y=focal_point.y,
                    **fields,
                )
            except BaseException:
                await asyncio.shield(stored.rollback())
                raise

    async def _store_derivatives(
        self, account: Account, image: InspectedImage, folder: Path, stored: StoredFiles, xmp: bytes, focal_point: FocalPoint
    ) -> dict:
        made = await self.maker.make(
            image.path, folder / "out", focal_point=focal_point, watermark=self.watermark_for(account), xmp=xmp,
            decoded=image.decoded, source_size=(image.width, image.height),
        )
        return {
            "mime": made.display.mime,
            "width": made.width,
            "height": made.height,
            "blurhash": made.blurhash,
            "file_size": made.display.byte_size,
            "display_key": await stored.put(made.display.path, made.display.extension),
            "display_fallback_key": await stored.put(made.display_fallback.path, made.display_fallback.extension),
            "thumbnail_key": await stored.put(made.thumbnail.path, made.thumbnail.extension),
        }

    async def _store_pre_protected(
        self, account: Account, image: InspectedImage, folder: Path, stored: StoredFiles, xmp: bytes, focal_point: FocalPoint
    ) -> dict:
        if image.format not in LOSSLESS_FORMATS:
            raise MediaRejected(
                "unsupported-type", "a pre-protected image must be JPEG, PNG or WebP, so its pixels can be kept exactly"
            )
        cap = self.rules.derivatives.max_federated_pixels
        if image.width * image.height > cap:
            raise MediaRejected(
                "too-many-pixels",
                f"a pre-protected image is served as uploaded, so it may have at most {cap} pixels "
                f"(this one is {image.width}x{image.height}); export it smaller before protecting it",
            )
        extension = EXTENSION_BY_FORMAT[image.format]
        served = folder / f"served.{extension}"
        try:
            await self.maker.run(rewrite_metadata, image.path, served, image.format, xmp, image.orientation)
        except MalformedContainer as error:
            raise MediaRejected("broken-image", f"image is damaged or incomplete ({error})") from None
        width, height, blurhash = await self.maker.run(_upright_size_and_blurhash, image.path)
        key = await stored.put(served, extension)
        return {
            "mime": image.mime,
            "width": width,
            "height": height,
            "blurhash": blurhash,
            "file_size": served.stat().st_size,
            "display_key": key,
            "display_fallback_key": key,
            "thumbnail_key": key,
        }

    def rights_for(self, account: Account, policy: ProtectionPolicy) -> RightsInfo:
        """The rights statement embedded in every image of this artist we serve."""
        domain = urlsplit(self.rules.base_url).netloc
        handle = f"@{account.username}@{domain}"
        creator = f"{account.display_name} ({handle})" if account.display_name else handle
        profile = account.url or f"{self.rules.base_url}/@{account.username}"
        year = datetime.now(UTC).year
        return RightsInfo(
            creator=creator,
            copyright_notice=f"© {year} {creator}. All rights reserved; no use for AI or machine-learning training.",
            data_mining=policy.data_mining,
            web_statement=self.rules.rights_statement_url or profile,
            licensor_url=self.rules.licensor_url or profile,
            licence_url=account.default_license or self.rules.default_license or None,
        )

    def watermark_for(self, account: Account) -> WatermarkSettings:
        """The instance's watermark with the artist's own choices applied (invalid choices ignored)."""
        chosen = (account.protection_overrides or {}).get("watermark")
        if not isinstance(chosen, dict):
            return self.rules.watermark
        changes = {name: chosen[name] for name in _WATERMARK_FIELDS if name in chosen}
        try:
            return self.rules.watermark.overridden(**changes)
        except (TypeError, ValueError):
            return self.rules.watermark


def _provenance_marks(image: InspectedImage) -> list:
    marks = detect(image.path, image.format)
    if image.format in ("PNG", "WEBP"):
        if image.decoded is not None:  # PNG and WebP are kept at full size: the pixels as uploaded
            marks += _stealth_marks(image.decoded)
        else:
            with Image.open(image.path) as opened:
                marks += _stealth_marks(opened)
    return marks


def _stealth_marks(opened: Image.Image) -> list:
    if "A" in opened.mode or "transparency" in opened.info:
        return detect_stealth_metadata(opened.convert("RGBA"))
    return []


def _upright_size_and_blurhash(path: Path) -> tuple[int, int, str]:
    with Image.open(path) as opened:
        orientation = opened.getexif().get(0x0112, 1)
        width, height = opened.size if orientation not in (5, 6, 7, 8) else opened.size[::-1]
        if opened.format == "JPEG":
            opened.draft("RGB", (64, 64))
        upright = opened.convert("RGBA") if "A" in opened.mode or "transparency" in opened.info else opened.convert("RGB")
    sample = upright.resize((32, 32))
    if sample.mode == "RGBA":
        background = Image.new("RGBA", sample.size, (255, 255, 255, 255))
        background.alpha_composite(sample)
        sample = background.convert("RGB")
    return width, height, encode_blurhash(sample)
