"""The typed values the vocabulary parser produces from received documents.

Frozen dataclasses for actors, content objects (with their attachments and tags) and
activities, and the sets of ActivityStreams types each kind covers. ``federation.vocab``
fills them in; everything past the inbox works with these instead of raw JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from federation.jsonld import PUBLIC

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
CONTENT_TYPES = frozenset({"Note", "Article", "Page", "Question", "Image", "Video", "Audio",
                           "Document", "Event", "Tombstone", "ChatMessage"})
ACTIVITY_TYPES = frozenset({
    "Create", "Update", "Delete", "Follow", "Accept", "Reject", "TentativeAccept",
    "TentativeReject", "Add", "Remove", "Like", "Dislike", "Announce", "Undo", "Block",
    "Flag", "Move", "EmojiReact", "Join", "Leave", "Invite", "Offer", "View", "Read",
    "Listen", "Ignore", "Arrive", "Travel", "QuoteRequest",
})


@dataclass(frozen=True)
class PublicKey:
    id: str
    owner: str | None
    pem: str


@dataclass(frozen=True)
class PropertyValue:
    """One profile field: a label and its (HTML) value."""

    name: str
    value: str


@dataclass(frozen=True)
class Actor:
    id: str
    type: str
    inbox: str
    preferred_username: str | None = None
    name: str | None = None
    summary: str | None = None
    outbox: str | None = None
    shared_inbox: str | None = None
    followers: str | None = None
    following: str | None = None
    featured: str | None = None
    url: str | None = None
    icon_url: str | None = None
    image_url: str | None = None
    public_key: PublicKey | None = None
    manually_approves_followers: bool = False
    # None when the actor does not say; callers decide what silence means.
    discoverable: bool | None = None
    indexable: bool | None = None
    published: datetime | None = None
    fields: tuple[PropertyValue, ...] = ()
    also_known_as: tuple[str, ...] = ()
    moved_to: str | None = None

    @property
    def delivery_inbox(self) -> str:
        """Where to deliver public activities: the shared inbox when there is one."""
        return self.shared_inbox or self.inbox


@dataclass(frozen=True)
class Attachment:
    url: str
    type: str | None = None
    media_type: str | None = None
    name: str | None = None  # the alt text on most servers
    width: int | None = None
    height: int | None = None
    blurhash: str | None = None
    focal_point: tuple[float, float] | None = None
    size: int | None = None  # bytes, when the sender says (PeerTube)


@dataclass(frozen=True)
class LinkRef:
    """A ``Link`` attachment: a web page or file to link to, never shown as media."""

    href: str
    name: str | None = None
    media_type: str | None = None


@dataclass(frozen=True)
class QuotePolicy:
    """``interactionPolicy.canQuote``: addressees (actor ids, collections, Public) whose
    quotes are approved automatically, and those whose quotes the author reviews."""

    automatic: tuple[str, ...] = ()
    manual: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    href: str
    name: str | None = None


@dataclass(frozen=True)
class Hashtag:
    name: str
    href: str | None = None


@dataclass(frozen=True)
class Emoji:
    name: str
    icon_url: str
    id: str | None = None


Tag = Mention | Hashtag | Emoji


@dataclass(frozen=True)
class PollChoices:
    """A Question's poll: each option's title and count (``replies.totalItems``), whether
    several may be chosen (``anyOf``), when it ends or ended, and how many voted."""

    options: tuple[tuple[str, int], ...]
    multiple: bool = False
    end_time: datetime | None = None
    closed: datetime | None = None
    voters_count: int | None = None


@dataclass(frozen=True)
class ContentObject:
    """A Note, Article, Page, Question, Image, Video, Event, Tombstone and the like."""

    id: str
    type: str
    attributed_to: tuple[str, ...] = ()
    name: str | None = None
    content: str | None = None
    summary: str | None = None
    sensitive: bool = False
    in_reply_to: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    url: str | None = None
    attachments: tuple[Attachment, ...] = ()
    # Link attachments: shown as links, not media.
    links: tuple[LinkRef, ...] = ()
    # The audio/video files an Audio or Video object offers in its ``url``.
    media_files: tuple[Attachment, ...] = ()
    tags: tuple[Tag, ...] = ()
    license: str | None = None
    # The quoted post (FEP-044f and its older spellings), the quote's authorization, and
    # who may quote this object (None when it does not say).
    quote: str | None = None
    quote_authorization: str | None = None
    quote_policy: QuotePolicy | None = None
    # The replies collection's id.
    replies: str | None = None
    # A Question's poll.
    poll: PollChoices | None = None

    @property
    def author(self) -> str | None:
        """The first actor the object is attributed to (a person before a group)."""
        return self.attributed_to[0] if self.attributed_to else None

    @property
    def is_public(self) -> bool:
        return PUBLIC in self.to or PUBLIC in self.cc


@dataclass(frozen=True)
class Activity:
    # None for a transient activity: some servers send a Delete or Update without an id.
    id: str | None
    type: str
    actor: str
    object_id: str | None = None
    # The embedded object, typed, when the activity carries one we understand.
    object: Actor | ContentObject | Activity | None = None
    # Every object id, for the activities (Flag) that name several.
    object_ids: tuple[str, ...] = ()
    target: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    published: datetime | None = None
    # A QuoteRequest's quoting post (its id, and the post when embedded); an Accept's result.
    instrument_id: str | None = None
    instrument: ContentObject | None = None
    result: str | None = None
