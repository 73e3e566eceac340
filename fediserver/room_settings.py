"""From the admin's settings to each room's own settings objects.

The rooms take small frozen settings of their own (``media`` and ``federation`` know
nothing of the TOML file); this module builds them from ``Settings`` and reports a
room's refusal against the config key the admin wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from media.crawler_guard import CrawlerGuardSettings

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


def _renamed(build, settings: Settings, keys: dict[str, str]) -> None:
    try:
        build(settings)
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        raise ValueError(f"{keys.get(field, field)}: {reason}") from None
