"""The streams a client may subscribe to, as Mastodon names them, and what each carries.

A ``Subscription`` is a stream name with its parameter (the tag of ``hashtag``, the list
id of ``list``); its ``label`` is the ``stream`` array of every message it receives
(``["hashtag", "ink"]``), by which clients such as masto.js tell their streams apart.
"""

from __future__ import annotations

from dataclasses import dataclass

USER = "user"
USER_NOTIFICATION = "user:notification"
PUBLIC = "public"
PUBLIC_LOCAL = "public:local"
PUBLIC_REMOTE = "public:remote"
HASHTAG = "hashtag"
HASHTAG_LOCAL = "hashtag:local"
LIST = "list"
DIRECT = "direct"

# Each stream and the scope (any one of them) a token needs to subscribe to it.
STREAM_SCOPES: dict[str, tuple[str, ...]] = {
    USER: ("read:statuses", "read:notifications"),
    USER_NOTIFICATION: ("read:notifications",),
    PUBLIC: ("read:statuses",),
    PUBLIC_LOCAL: ("read:statuses",),
    PUBLIC_REMOTE: ("read:statuses",),
    HASHTAG: ("read:statuses",),
    HASHTAG_LOCAL: ("read:statuses",),
    LIST: ("read:lists", "read:statuses"),
    DIRECT: ("read:statuses",),
}
# Streams that carry posts (update, status.update, delete, conversation).
POST_STREAMS = frozenset({USER, PUBLIC, PUBLIC_LOCAL, PUBLIC_REMOTE, HASHTAG, HASHTAG_LOCAL, LIST, DIRECT})
# Streams that carry notifications.
NOTIFICATION_STREAMS = frozenset({USER, USER_NOTIFICATION})
# The filter context (``fediserver.api.filtering``) of the posts each stream carries, as
# the timeline it mirrors has it; notifications are judged in "notifications", and
# ``direct`` is filtered by none.
FILTER_CONTEXT = {
    USER: "home",
    LIST: "home",
    PUBLIC: "public",
    PUBLIC_LOCAL: "public",
    PUBLIC_REMOTE: "public",
    HASHTAG: "public",
    HASHTAG_LOCAL: "public",
}
NOTIFICATION_FILTER_CONTEXT = "notifications"

# The paths of the server-sent-events form (``GET /api/v1/streaming/<path>``).
STREAM_BY_PATH = {
    "user": USER,
    "user/notification": USER_NOTIFICATION,
    "public": PUBLIC,
    "public/local": PUBLIC_LOCAL,
    "public/remote": PUBLIC_REMOTE,
    "hashtag": HASHTAG,
    "hashtag/local": HASHTAG_LOCAL,
    "list": LIST,
    "direct": DIRECT,
}


class StreamRequestError(ValueError):
    """A subscription that cannot be granted; ``status`` as Mastodon answers it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Subscription:
    stream: str
    # The tag (lower case, without '#') for hashtag streams, the list id for list.
    parameter: str | None = None

    @property
    def label(self) -> tuple[str, ...]:
        return (self.stream,) if self.parameter is None else (self.stream, self.parameter)


def subscription(stream: object, *, tag: object = None, list_id: object = None) -> Subscription:
    """The subscription a client asks for, or ``StreamRequestError``."""
    if not isinstance(stream, str) or stream not in STREAM_SCOPES:
        raise StreamRequestError(f"Unknown stream type {stream!r}; expected one of {', '.join(STREAM_SCOPES)}")
    if stream in (HASHTAG, HASHTAG_LOCAL):
        name = tag.strip().lstrip("#").lower() if isinstance(tag, str) else ""
        if not name:
            raise StreamRequestError("The hashtag stream needs a tag (\"tag\": \"name\")")
        return Subscription(stream, name)
    if stream == LIST:
        if not isinstance(list_id, (str, int)) or not str(list_id).isdigit():
            raise StreamRequestError("The list stream needs a list id (\"list\": \"id\")")
        return Subscription(stream, str(list_id))
    return Subscription(stream)
