"""OAuth scopes as Mastodon defines them, and the one rule of what a scope covers.

Scopes are hierarchical: ``read`` covers every ``read:*`` scope, ``write`` every
``write:*``, ``admin:read`` every ``admin:read:*``. The deprecated ``follow`` covers reading
and changing follows, blocks and mutes. ``push`` and ``profile`` stand alone.
"""

from __future__ import annotations

from collections.abc import Iterable

READ_SCOPES = tuple(
    f"read:{name}"
    for name in ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists", "mutes",
                 "notifications", "search", "statuses")
)
WRITE_SCOPES = tuple(
    f"write:{name}"
    for name in ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters", "follows", "lists",
                 "media", "mutes", "notifications", "reports", "statuses")
)
ADMIN_SUBJECTS = ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks", "email_domain_blocks",
                  "canonical_email_blocks")
ADMIN_READ_SCOPES = tuple(f"admin:read:{name}" for name in ADMIN_SUBJECTS)
ADMIN_WRITE_SCOPES = tuple(f"admin:write:{name}" for name in ADMIN_SUBJECTS)
FOLLOW_COVERS = frozenset({"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"})

TOP_LEVEL = ("read", "write", "follow", "push", "profile", "admin:read", "admin:write")
ALL_SCOPES = TOP_LEVEL + READ_SCOPES + WRITE_SCOPES + ADMIN_READ_SCOPES + ADMIN_WRITE_SCOPES
KNOWN = frozenset(ALL_SCOPES)
# What an app or a token gets when it asks for nothing in particular (as Mastodon).
DEFAULT_SCOPES = ("read",)


class ScopeError(ValueError):
    """Scopes this server does not know, named for the client."""


def parse_scopes(value: str | Iterable[str] | None, *, default: tuple[str, ...] = DEFAULT_SCOPES) -> tuple[str, ...]:
    """Scopes as clients send them (separated by spaces or ``+``, or as a list), in order, once each.

    An unknown scope raises ``ScopeError``; nothing at all gives ``default``.
    """
    if value is None:
        words: list[str] = []
    elif isinstance(value, str):
        words = value.replace("+", " ").split()
    else:
        words = [word for item in value for word in str(item).replace("+", " ").split()]
    unknown = [word for word in words if word not in KNOWN]
    if unknown:
        raise ScopeError(f"unknown scope{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
    return tuple(dict.fromkeys(words)) or default


def _parent(scope: str) -> str | None:
    head, _, _ = scope.rpartition(":")
    return head or None


def covers(granted: Iterable[str], wanted: str) -> bool:
    """Whether holding ``granted`` allows what ``wanted`` guards."""
    held = set(granted)
    if wanted in held:
        return True
    parent = _parent(wanted)
    if parent is not None and parent in held and parent != "admin":
        return True
    return "follow" in held and wanted in FOLLOW_COVERS


def within(requested: Iterable[str], allowed: Iterable[str]) -> bool:
    """Whether every requested scope is covered by the allowed ones (a request is a subset)."""
    allowed = tuple(allowed)
    return all(covers(allowed, scope) for scope in requested)


def as_text(scopes: Iterable[str]) -> str:
    return " ".join(scopes)


_DESCRIPTIONS = {
    "read": "read everything in your account: posts, timelines, notifications, follows, lists, bookmarks",
    "write": "change everything in your account: post, delete, favourite, boost, follow, upload media, edit your profile",
    "follow": "see and change whom you follow, block and mute",
    "push": "receive push notifications",
    "profile": "see your profile (name, handle, picture) only",
    "admin:read": "read all moderation and administration data of this instance",
    "admin:write": "take moderation and administration actions on this instance",
}


def describe(scope: str) -> str:
    """What a scope lets an app do, in words for the consent page."""
    if scope in _DESCRIPTIONS:
        return _DESCRIPTIONS[scope]
    action, _, subject = scope.rpartition(":")
    verb = {"read": "read", "write": "change", "admin:read": "read (administration)",
            "admin:write": "change (administration)"}.get(action, action)
    return f"{verb} your {subject.replace('_', ' ')}"
