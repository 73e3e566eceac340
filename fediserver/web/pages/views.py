"""Turning query results into the views templates show: works with their images, in the
few queries the page already made, and the pager's links."""

from __future__ import annotations

from collections.abc import Iterable

from fediserver.models import Account, Post
from fediserver.models.portfolio import Work
from fediserver.web.presenters import AccountView, Presenter, WorkView
from fediserver.web.queries import Page, attachments_by_post


class PagerLinks:
    def __init__(self, base: str, page: Page) -> None:
        self.newer_url = _link(base, page.newer)
        self.older_url = _link(base, page.older)


def _link(base: str, params: dict[str, str] | None) -> str | None:
    if params is None:
        return None
    return base + "?" + "&".join(f"{name}={value}" for name, value in params.items())


async def work_views(
    presenter: Presenter, works: Iterable[tuple[Post, Work | None]], *, authors: dict[int, Account],
    author_views: dict[int, AccountView] | None = None, extra_post_ids: Iterable[int] = (),
) -> tuple[list[WorkView], dict[int, list]]:
    """Views of (post, work) pairs, their attachments read in one query (with those of
    ``extra_post_ids``, returned for the caller's own use)."""
    pairs = list(works)
    attachments = await attachments_by_post([post.pk for post, _ in pairs] + list(extra_post_ids))
    views = [
        presenter.post(
            post, attachments[post.pk], author=authors.get(post.account_id), work=work,
            author_view=(author_views or {}).get(post.account_id),
        )
        for post, work in pairs
    ]
    return views, attachments
