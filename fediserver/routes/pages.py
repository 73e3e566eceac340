"""The small HTML pages a browser gets where ActivityPub clients get JSON.

An artist's profile (``/@<name>``, ``/users/<name>``) and one post
(``/users/<name>/statuses/<id>``) as plain, escaped HTML that links to the JSON document
(``rel="alternate"``). Post content is already sanitised when stored; profile text is
cleaned here.
"""

from __future__ import annotations

from html import escape

import nh3

from fediserver.models import Account, Post
from outbox.objects import iso


def profile_html(account: Account, domain: str) -> str:
    """A small, escaped profile page that links to the actor document."""
    name = escape(account.display_name or account.username)
    handle = escape(f"@{account.username}@{domain}")
    fields = "".join(
        f"<dt>{escape(str(field.get('name', '')))}</dt><dd>{nh3.clean(str(field.get('value', '')))}</dd>"
        for field in account.profile_fields
        if isinstance(field, dict)
    )
    robots = "" if account.indexable else '<meta name="robots" content="noindex, noimageindex, noai, noimageai">\n'
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{name} ({handle})</title>\n{robots}"
        f'<link rel="alternate" type="application/activity+json" href="{escape(account.uri)}">\n'
        "</head>\n<body>\n<main>\n"
        f"<h1>{name}</h1>\n<p>{handle}</p>\n"
        f"<div class=\"bio\">{nh3.clean(account.summary)}</div>\n"
        + (f"<dl>{fields}</dl>\n" if fields else "")
        + "</main>\n</body>\n</html>\n"
    )


def post_html(post: Post, author: Account) -> str:
    """A small page for a post; its content is already sanitised HTML."""
    name = escape(author.display_name or author.username)
    warning = f"<p><strong>{escape(post.summary)}</strong></p>\n" if post.summary else ""
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{name}</title>\n"
        f'<link rel="alternate" type="application/activity+json" href="{escape(post.uri)}">\n'
        "</head>\n<body>\n<main>\n<article>\n"
        f'<p><a href="{escape(author.url or author.uri)}">{name}</a></p>\n{warning}'
        f"<div class=\"content\">{post.content}</div>\n"
        f"<p><time datetime=\"{iso(post.published_at)}\">{iso(post.published_at)}</time></p>\n"
        "</article>\n</main>\n</body>\n</html>\n"
    )
