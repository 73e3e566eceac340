"""Mastodon's id-cursor pagination: ``max_id``, ``since_id``, ``min_id``, ``limit`` and the
``Link`` header that points at the next (older) and previous (newer) page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from quart import current_app, request

from fediserver.refusals import unprocessable

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


@dataclass(frozen=True)
class Page:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int

    @classmethod
    def from_request(cls) -> Page:
        args = request.args
        limit = _integer("limit", args.get("limit")) or DEFAULT_LIMIT
        return cls(
            max_id=_integer("max_id", args.get("max_id")),
            since_id=_integer("since_id", args.get("since_id")),
            min_id=_integer("min_id", args.get("min_id")),
            limit=max(1, min(limit, MAX_LIMIT)),
        )

    async def rows(self, query) -> list:
        """Newest first; with ``min_id``, the page just after it (read oldest first, then turned)."""
        if self.max_id is not None:
            query = query.filter(id__lt=self.max_id)
        if self.since_id is not None:
            query = query.filter(id__gt=self.since_id)
        if self.min_id is not None:
            rows = await query.filter(id__gt=self.min_id).order_by("id").limit(self.limit)
            return list(reversed(rows))
        return list(await query.order_by("-id").limit(self.limit))


def link_header(rows: list) -> dict[str, str]:
    """``Link`` with rel="next" (older) and rel="prev" (newer), when there are rows."""
    if not rows:
        return {}
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("max_id", "since_id", "min_id")]
    base = current_app.config["URLS"].base_url + request.path

    def url(**cursor: int) -> str:
        return f"{base}?{urlencode(kept + list(cursor.items()))}"

    return {"Link": f'<{url(max_id=rows[-1].pk)}>; rel="next", <{url(min_id=rows[0].pk)}>; rel="prev"'}


def _integer(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise unprocessable(f"{name} must be a number, not {value!r}") from None
