"""What the crawler guard (``media.crawler_guard``) declares and enforces, checked when the
configuration is read: the site's address, the allow-listed crawler names, the rights
holder and contact, the media rate limit. Kept apart from the guard itself so a process
that only reads the configuration (the worker) need not load the web framework."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from urllib.parse import urlsplit

from media import do_not_train
from media.ai_crawlers import crawler_names


@dataclass(frozen=True)
class CrawlerGuardSettings:
    """What the guard declares and enforces. Invalid values raise ValueError naming the field."""

    base_url: str
    allow_list: tuple[str, ...] = ()
    robots_extra: str = ""
    tdm_policy_url: str = ""
    rights_holder: str = ""
    rights_contact_email: str = ""
    rights_info_url: str = ""
    media_path_prefix: str = "/media/"
    media_rate_per_minute: int = 120
    media_rate_burst: int = 120
    max_rate_limited_clients: int = 10_000
    send_signals: bool = True
    block_crawlers: bool = True
    limit_media_rate: bool = True

    def __post_init__(self) -> None:
        _require_absolute_url("base_url", self.base_url)
        if self.tdm_policy_url:
            _require_absolute_url("tdm_policy_url", self.tdm_policy_url)
        if self.rights_info_url:
            _require_absolute_url("rights_info_url", self.rights_info_url)
        if self.rights_contact_email and "@" not in self.rights_contact_email.removeprefix("mailto:"):
            raise ValueError(f"rights_contact_email: {self.rights_contact_email!r} is not an email address")
        if isinstance(self.allow_list, str):
            raise ValueError(f"allow_list: expected a list of crawler names, got the string {self.allow_list!r}")
        object.__setattr__(self, "allow_list", tuple(self.allow_list))
        _require_listed_names(self.allow_list)
        try:
            do_not_train.check_robots_rules(self.robots_extra)
        except ValueError as exc:
            raise ValueError(f"robots_extra: {exc}") from None
        if not self.media_path_prefix.startswith("/"):
            raise ValueError(f"media_path_prefix: {self.media_path_prefix!r} must start with '/'")
        for name in ("media_rate_per_minute", "media_rate_burst", "max_rate_limited_clients"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: expected a whole number of at least 1, got {value!r}")

    @property
    def site_url(self) -> str:
        return self.base_url.rstrip("/")

    @property
    def policy_url(self) -> str:
        return self.tdm_policy_url or self.site_url + do_not_train.TDM_POLICY_PATH

    @property
    def media_prefix(self) -> str:
        return self.media_path_prefix.rstrip("/") + "/"


def _require_absolute_url(name: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name}: expected an absolute http(s) URL, got {value!r}")


def _require_listed_names(names: tuple[str, ...]) -> None:
    known = set(crawler_names())
    for name in names:
        if name not in known:
            same_letters = [known_name for known_name in known if known_name.lower() == str(name).lower()]
            close = same_letters or difflib.get_close_matches(str(name), known, 1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"allow_list: {name!r} is not a listed crawler name (names are case-sensitive){hint}")
