"""An artist's filters at work: which statuses of a list they warn about or hide.

A filter applies where its ``context`` says (home, notifications, public, thread,
account) until it expires. A status matches when one of the filter's keywords is in its
text, content warning or media descriptions (a ``whole_word`` keyword only as a whole
word, as Mastodon matches it), or when the filter names the status. A boost is judged by
the boosted post. ``hide`` leaves a matching status out; ``warn`` keeps it with
``filtered`` results naming the filter and what matched. Filters never apply to the
artist's own posts. A status asked for by itself (``GET /api/v1/statuses/:id``) is
never left out: it carries every match, hiding filters too (``mark_filtered``, judged in
the ``thread`` context). The REST timelines, threads, notifications and the streaming hub
all judge through here, so a filter matches the same everywhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q

from fediserver.api.serializers import iso
from fediserver.clock import utcnow
from fediserver.models import Account, Filter, FilterAction, FilterKeyword, FilterStatus

CONTEXTS = ("home", "notifications", "public", "thread", "account")
_TAGS = re.compile(r"<[^>]+>")


def keyword_pattern(keyword: str, whole_word: bool) -> re.Pattern[str]:
    escaped = re.escape(keyword)
    if whole_word:
        start = r"\b" if re.match(r"\w", keyword) else ""
        end = r"\b" if re.search(r"\w$", keyword) else ""
        return re.compile(f"{start}{escaped}{end}", re.IGNORECASE | re.MULTILINE)
    return re.compile(escaped, re.IGNORECASE)


@dataclass
class ActiveFilter:
    record: Filter
    document: dict[str, Any]  # the Filter entity, as ``filtered`` results carry it
    keywords: list[tuple[str, re.Pattern[str]]]
    status_ids: set[str]

    @property
    def hides(self) -> bool:
        return self.record.action == FilterAction.HIDE


async def active_filters(account: Account | None, context: str) -> list[ActiveFilter]:
    """The filters of ``account`` in force now in ``context``."""
    if account is None:
        return []
    return in_context((await filters_in_force([account.pk])).get(account.pk, []), context)


async def filters_in_force(account_ids: Iterable[int]) -> dict[int, list[ActiveFilter]]:
    """The filters in force now (not expired) of each of these accounts, in every context,
    read at once (the streaming hub asks for all the readers of one event); an account
    without any is left out."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    records = await Filter.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=utcnow()), account_id__in=ids
                                  ).order_by("id").prefetch_related("keywords", "statuses")
    found: dict[int, list[ActiveFilter]] = {}
    for record in records:
        found.setdefault(record.account_id, []).append(ActiveFilter(
            record=record,
            document=filter_json(record),
            keywords=[(k.keyword, keyword_pattern(k.keyword, k.whole_word)) for k in record.keywords],
            status_ids={str(s.post_id) for s in record.statuses},
        ))
    return found


def in_context(filters: list[ActiveFilter], context: str) -> list[ActiveFilter]:
    """Those of ``filters`` that apply in ``context``."""
    return [active for active in filters if context in (active.record.context or [])]


def filter_statuses(documents: list[dict[str, Any]], filters: list[ActiveFilter], viewer: Account | None
                    ) -> list[dict[str, Any]]:
    """``documents`` (Status entities) without those a filter hides, the others marked
    (``filtered``, empty when nothing matched, for a signed-in viewer as Mastodon sends it)."""
    if viewer is None:
        return documents
    for document in documents:
        unmatched(document)
    if not filters:
        return documents
    return [document for document in documents if not _judge(document, filters, viewer)]


def unmatched(document: dict[str, Any]) -> dict[str, Any]:
    """A status (and the post it boosts) marked as a signed-in reader gets it before any
    filter is judged: ``filtered`` empty."""
    document.setdefault("filtered", [])
    if document.get("reblog"):
        document["reblog"].setdefault("filtered", [])
    return document


def hidden_by_filters(status: dict[str, Any] | None, filters: list[ActiveFilter], viewer: Account | None) -> bool:
    """Judge one status (marking it); True when a filter hides it."""
    return status is not None and bool(filters) and _judge(status, filters, viewer)


def mark_filtered(document: dict[str, Any], filters: list[ActiveFilter], viewer: Account | None) -> dict[str, Any]:
    """One status asked for by itself: never left out, but marked with every filter it
    matches, hiding ones included (the app decides how to show it), as Mastodon does."""
    if viewer is None:
        return document
    unmatched(document)
    results, _hides = _matches(document, filters, viewer)
    _mark(document, results)
    return document


def _judge(document: dict[str, Any], filters: list[ActiveFilter], viewer: Account | None) -> bool:
    results, hides = _matches(document, filters, viewer)
    if hides:
        return True
    _mark(document, results)
    return False


def _matches(document: dict[str, Any], filters: list[ActiveFilter], viewer: Account | None
             ) -> tuple[list[dict[str, Any]], bool]:
    """The FilterResults of ``document`` (or the post it boosts), and whether one hides it.
    The viewer's own posts match nothing."""
    judged = document.get("reblog") or document
    if viewer is not None and judged["account"]["id"] == str(viewer.pk):
        return [], False
    text = _searchable_text(judged)
    results, hides = [], False
    for active in filters:
        keywords = [keyword for keyword, pattern in active.keywords if pattern.search(text)]
        statuses = [i for i in (judged["id"], document["id"]) if i in active.status_ids]
        if not keywords and not statuses:
            continue
        hides = hides or active.hides
        results.append({"filter": active.document, "keyword_matches": keywords or None,
                        "status_matches": statuses or None})
    return results, hides


def _mark(document: dict[str, Any], results: list[dict[str, Any]]) -> None:
    if results:
        document["filtered"] = results
        (document.get("reblog") or document)["filtered"] = results


def _searchable_text(status: dict[str, Any]) -> str:
    parts = [html.unescape(_TAGS.sub(" ", status.get("content") or "")), status.get("spoiler_text") or ""]
    parts += [m.get("description") or "" for m in status.get("media_attachments") or []]
    return "\n".join(parts)


def filter_json(record: Filter) -> dict[str, Any]:
    """Mastodon's Filter (v2), from a filter whose keywords and statuses are fetched."""
    return {
        "id": str(record.pk),
        "title": record.title,
        "context": list(record.context or []),
        "expires_at": iso(record.expires_at),
        "filter_action": record.action.value,
        "keywords": [keyword_json(k) for k in sorted(record.keywords, key=lambda k: k.pk)],
        "statuses": [filtered_status_json(s) for s in sorted(record.statuses, key=lambda s: s.pk)],
    }


def keyword_json(keyword: FilterKeyword) -> dict[str, Any]:
    return {"id": str(keyword.pk), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def filtered_status_json(row: FilterStatus) -> dict[str, Any]:
    return {"id": str(row.pk), "status_id": str(row.post_id)}
