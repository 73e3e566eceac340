"""The media room's own settings: every limit and protection rule the pipeline applies.

``MediaRules`` gathers the building blocks' settings (intake limits, derivative sizes,
the instance's protection policy, the default watermark) with the pipeline's own
choices (how originals and remote media are treated). The shell builds it from the
config file; a refused value raises ``ValueError("<field>: <reason>")`` like the blocks do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from media.derivatives import DerivativeSettings
from media.intake import IntakeLimits
from media.policy import ProtectionPolicy
from media.watermark import WatermarkSettings

RemoteMode = Literal["cache", "proxy"]


@dataclass(frozen=True)
class MediaRules:
    base_url: str  # this instance, e.g. "https://art.example"
    limits: IntakeLimits = IntakeLimits()
    derivatives: DerivativeSettings = DerivativeSettings()
    protection: ProtectionPolicy = ProtectionPolicy()
    watermark: WatermarkSettings = WatermarkSettings()
    decode_concurrency: int = 2
    serve_originals: bool = False
    rights_statement_url: str = ""  # empty: the artist's profile
    licensor_url: str = ""  # empty: the artist's profile
    default_license: str = ""
    remote_mode: RemoteMode = "cache"
    remote_cache_bytes: int = 5 * 1024**3
    remote_max_bytes: int = 40 * 1024**2
    # Content Credentials (media.content_credentials): what an invalid C2PA manifest
    # gets ("reject" or "label"), and a PEM file of the certificate authorities trusted.
    invalid_content_credentials: Literal["reject", "label"] = "label"
    content_credentials_trust_anchors: str = ""

    def __post_init__(self) -> None:
        if self.invalid_content_credentials not in ("reject", "label"):
            raise ValueError(
                f"invalid_content_credentials: must be \"reject\" or \"label\", not {self.invalid_content_credentials!r}"
            )
        if self.content_credentials_trust_anchors:
            from cryptography.x509 import load_pem_x509_certificates

            try:
                load_pem_x509_certificates(self.trust_anchors_pem().encode("ascii"))
            except ValueError as error:
                raise ValueError(f"content_credentials_trust_anchors: not a PEM certificate bundle ({error})") from None
        if self.decode_concurrency < 1:
            raise ValueError(f"decode_concurrency: must be at least 1, not {self.decode_concurrency}")
        if self.remote_mode not in ("cache", "proxy"):
            raise ValueError(f"remote_mode: must be \"cache\" or \"proxy\", not {self.remote_mode!r}")
        if self.remote_cache_bytes < 0:
            raise ValueError("remote_cache_bytes: must not be negative")
        if self.remote_max_bytes < 1:
            raise ValueError("remote_max_bytes: must be at least 1")

    def trust_anchors_pem(self) -> str:
        """The trusted certificate authorities as PEM text; empty when none are configured."""
        if not self.content_credentials_trust_anchors:
            return ""
        try:
            return Path(self.content_credentials_trust_anchors).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"content_credentials_trust_anchors: cannot read the file ({error})") from None

    @property
    def media_base_url(self) -> str:
        """Where this app serves stored files: ``<base_url>/media/``."""
        return self.base_url.rstrip("/") + "/media/"
