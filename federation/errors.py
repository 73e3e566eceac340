"""The exceptions the federation library raises, so callers can catch them by kind.

``FetchError`` means a remote request did not give a usable answer; ``UnsafeURLError`` (a
kind of ``FetchError``) means the request was refused before any traffic was sent because
its destination is not allowed (``HostRefused`` when the host gate refuses its host); ``VocabError`` means a received document is unusable.
"""


class FetchError(Exception):
    """A remote request failed: network error, time or size limit, too many redirects."""


class UnsafeURLError(FetchError):
    """A URL was refused before connecting: bad scheme or a non-public destination."""


class HostRefused(UnsafeURLError):
    """The destination's host is one this server does not talk to (the host gate said no)."""


class VocabError(ValueError):
    """A received ActivityStreams document cannot be used; the message says why."""


class WebFingerError(ValueError):
    """A handle is malformed, or its WebFinger answer names no ActivityPub actor."""
