"""Hashtags: what counts as a tag name, and which posts carry one.

A post's hashtags live in its ``tags`` list as ActivityStreams ``Hashtag`` objects named
``#name``. The list is JSON text on SQLite and jsonb on PostgreSQL; both read as text, so
"carries #name" is a match on the quoted name in that text, without case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tortoise.expressions import RawSQL, Subquery

from fediserver.models import Post

TAG_NAME = re.compile(r"[^\W]{1,100}")


def tag_name(given: str) -> str | None:
    """The tag's name as stored for following (lower case, no ``#``), or None when
    ``given`` is not a tag name (letters, digits and ``_`` only)."""
    name = given.strip().removeprefix("#")
    return name.lower() if TAG_NAME.fullmatch(name) else None


def posts_tagged(names: Iterable[str]) -> Subquery:
    """The ids of the posts carrying any of the tags ``names`` (each checked by ``tag_name``)."""
    wanted = sorted({name for name in (tag_name(given) for given in names) if name})
    if not wanted:
        return Subquery(Post.filter(id__in=[]).values("id"))
    # Each name is letters, digits and "_" only, so it is safe inside the SQL text.
    text = 'lower(CAST("posts"."tags" AS TEXT))'
    condition = " OR ".join(f"{text} LIKE '%\"#{name}\"%'" for name in wanted)
    return Subquery(Post.annotate(carries=RawSQL(f"CASE WHEN {condition} THEN 1 ELSE 0 END"))
                    .filter(carries=1).values("id"))
