"""Collections as ActivityStreams ``OrderedCollection`` documents with cursor pages.

The collection itself gives ``totalItems`` and a link to its ``first`` page; each page
(``?page=true``) holds up to ``PAGE_SIZE`` items, newest first, with ``next`` (older
items, ``max_id``) and ``prev`` (newer items, ``min_id``) cursors on row ids, so pages
stay stable while new items arrive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tortoise.queryset import QuerySet

PAGE_SIZE = 20
COLLECTION_CONTEXT = "https://www.w3.org/ns/activitystreams"


class BadCursor(ValueError):
    pass


def _cursor(args: Mapping[str, str], name: str) -> int | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 19:
        raise BadCursor(f"{name} must be a row id (digits)")
    return int(value)


def _page_url(collection_url: str, **cursor: int) -> str:
    (name, value), = cursor.items()
    return f"{collection_url}?page=true&{name}={value}"


def collection(collection_url: str, total: int, context: Any = COLLECTION_CONTEXT) -> dict[str, Any]:
    return {
        "@context": context,
        "id": collection_url,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": f"{collection_url}?page=true",
    }


async def collection_page(
    queryset: QuerySet,
    collection_url: str,
    args: Mapping[str, str],
    render: Callable[[list[Any]], Awaitable[list[Any]]],
    context: Any = COLLECTION_CONTEXT,
) -> dict[str, Any]:
    """One page of ``queryset`` (rows with an ``id``); ``render`` turns rows into items.

    Raises ``BadCursor`` for a cursor that is not a row id.
    """
    max_id, min_id = _cursor(args, "max_id"), _cursor(args, "min_id")
    if min_id is not None:
        rows = list(reversed(await queryset.filter(id__gt=min_id).order_by("id").limit(PAGE_SIZE)))
        page_id = _page_url(collection_url, min_id=min_id)
    else:
        narrowed = queryset.filter(id__lt=max_id) if max_id is not None else queryset
        rows = await narrowed.order_by("-id").limit(PAGE_SIZE)
        page_id = _page_url(collection_url, max_id=max_id) if max_id is not None else f"{collection_url}?page=true"
    page: dict[str, Any] = {
        "@context": context,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_url,
    }
    if rows and await queryset.filter(id__lt=rows[-1].id).exists():
        page["next"] = _page_url(collection_url, max_id=rows[-1].id)
    if rows and await queryset.filter(id__gt=rows[0].id).exists():
        page["prev"] = _page_url(collection_url, min_id=rows[0].id)
    page["orderedItems"] = await render(rows)
    return page
