"""From the admin's settings to each room's own settings objects.

The rooms take small frozen settings of their own (``media`` and ``federation`` know
nothing of the TOML file); this module builds them from ``Settings`` and reports a
room's refusal against the config key the admin wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from media.crawler_settings import CrawlerGuardSettings
from media.derivatives import DerivativeSettings
from media.intake import IntakeLimits
from media.policy import ProtectionPolicy
from media.rules import MediaRules
from media.storage import LocalStore, MediaStore, S3Store, S3StoreSettings
from media.watermark import WatermarkSettings

if TYPE_CHECKING:
    from fediserver.config import Settings

# CrawlerGuardSettings field -> config key.
CRAWLER_GUARD_KEYS = {
    "allow_list": "protection.crawler_allow_list",
    "robots_extra": "protection.robots_extra",
    "tdm_policy_url": "protection.tdm_policy_url",
    "rights_holder": "protection.rights_holder",
    "rights_contact_email": "protection.rights_contact_email",
    "rights_info_url": "protection.rights_info_url",
    "media_rate_per_minute": "protection.media_rate_limit_per_minute",
    "media_rate_burst": "protection.media_rate_limit_burst",
}


# MediaRules and its parts' fields -> config key.
MEDIA_KEYS = {
    "max_bytes": "media.max_upload_bytes",
    "max_pixels": "media.max_pixels",
    "max_frames": "media.max_frames",
    "max_federated_pixels": "protection.max_federated_pixels",
    "thumbnail_box": "protection.thumbnail_size",
    "webp_quality": "media.webp_quality",
    "jpeg_quality": "media.jpeg_quality",
    "decode_oversampling": "media.decode_oversampling",
    "ai_generated_local": "protection.ai_generated_local",
    "ai_generated_remote": "protection.ai_generated_remote",
    "data_mining": "protection.data_mining",
    "invalid_content_credentials": "protection.invalid_content_credentials",
    "content_credentials_trust_anchors": "protection.content_credentials_trust_anchors",
    "enabled": "protection.watermark.enabled",
    "text": "protection.watermark.text",
    "position": "protection.watermark.position",
    "opacity": "protection.watermark.opacity",
    "text_height": "protection.watermark.text_height",
    "decode_concurrency": "media.decode_concurrency",
    "remote_mode": "media.remote_mode",
    "remote_cache_bytes": "media.remote_cache_bytes",
    "remote_max_bytes": "media.remote_max_bytes",
    "endpoint": "media.s3.endpoint",
    "bucket": "media.s3.bucket",
}


def media_rules(settings: Settings) -> MediaRules:
    media, protection = settings.media, settings.protection
    mark = protection.watermark
    return MediaRules(
        base_url=settings.instance.base_url,
        limits=IntakeLimits(max_bytes=media.max_upload_bytes, max_pixels=media.max_pixels, max_frames=media.max_frames),
        derivatives=DerivativeSettings(
            max_federated_pixels=protection.max_federated_pixels,
            thumbnail_box=(protection.thumbnail_size, protection.thumbnail_size),
            webp_quality=media.webp_quality,
            jpeg_quality=media.jpeg_quality,
            decode_oversampling=media.decode_oversampling,
        ),
        protection=ProtectionPolicy(
            ai_generated_local=protection.ai_generated_local,
            ai_generated_remote=protection.ai_generated_remote,
            data_mining=protection.data_mining,
        ),
        watermark=WatermarkSettings(
            enabled=mark.enabled, text=mark.text, position=mark.position, opacity=mark.opacity, text_height=mark.text_height
        ),
        decode_concurrency=media.decode_concurrency,
        serve_originals=protection.serve_originals,
        rights_statement_url=protection.rights_statement_url,
        licensor_url=protection.licensor_url,
        default_license=protection.default_license,
        remote_mode=media.remote_mode,
        remote_cache_bytes=media.remote_cache_bytes,
        remote_max_bytes=media.remote_max_bytes,
        invalid_content_credentials=protection.invalid_content_credentials,
        content_credentials_trust_anchors=_relative_to(settings, protection.content_credentials_trust_anchors),
    )


def _relative_to(settings: Settings, path: str) -> str:
    """A configured file path; a relative one is taken from the data folder."""
    return str(settings.data_dir / path) if path else ""


def s3_store_settings(settings: Settings) -> S3StoreSettings:
    s3 = settings.media.s3
    return S3StoreSettings(
        endpoint=s3.endpoint,
        bucket=s3.bucket,
        access_key=s3.access_key,
        secret_key=s3.secret_key,
        region=s3.region,
        public_url=s3.public_url,
        timeout_seconds=s3.timeout_seconds,
    )


def media_store(settings: Settings) -> MediaStore:
    """The configured store: a local folder under data_dir, or an S3 bucket."""
    if settings.media.storage == "s3":
        return S3Store(s3_store_settings(settings))
    return LocalStore(settings.media_dir, settings.media.local_public_url or None)


def crawler_guard_settings(settings: Settings) -> CrawlerGuardSettings:
    protection = settings.protection
    contact = protection.rights_contact_email or _email_or_empty(settings.instance.admin_contact)
    return CrawlerGuardSettings(
        base_url=settings.instance.base_url,
        allow_list=protection.crawler_allow_list,
        robots_extra=protection.robots_extra,
        tdm_policy_url=protection.tdm_policy_url,
        rights_holder=protection.rights_holder or settings.instance.name,
        rights_contact_email=contact,
        rights_info_url=protection.rights_info_url,
        media_rate_per_minute=protection.media_rate_limit_per_minute,
        media_rate_burst=protection.media_rate_limit_burst,
        block_crawlers=protection.block_ai_crawlers,
    )


def _email_or_empty(contact: str) -> str:
    return contact if "@" in contact and "://" not in contact else ""


def check_room_settings(settings: Settings) -> None:
    """Build every room's settings once, so a bad value stops start-up with its key named."""
    _renamed(crawler_guard_settings, settings, CRAWLER_GUARD_KEYS)
    _renamed(media_rules, settings, MEDIA_KEYS)
    if settings.media.storage == "s3":
        _renamed(s3_store_settings, settings, MEDIA_KEYS)


def _renamed(build, settings: Settings, keys: dict[str, str]) -> None:
    try:
        build(settings)
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        raise ValueError(f"{keys.get(field, field)}: {reason}") from None
