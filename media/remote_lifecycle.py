"""The life of a remote attachment's file, declared as data: its states and what moves it.

A remote attachment (``remote_url`` set) starts with no state: it arrived with a post and
nothing has fetched it yet. The background job or the first viewer fetches and checks it:

    (new) --checked, remote_mode "cache"---------> cached   (derivatives stored here)
    (new) --checked, remote_mode "proxy"---------> proxied  (nothing stored; each view fetches)
    (new) --an AI mark under "reject"------------> refused  (never served, never fetched again)
    (new) --no answer, an error, not an image----> failed   (fetched again when next viewed)
    cached --pruned (budget or age)--------------> evicted  (fetched again when next viewed)
    (any) --its server's media rejected----------> linked   (a domain block: shown as a link)
    evicted, failed, proxied --viewed------------> as (new)

``refused`` is final. Who fetches is decided by the row's claim (``claimed_until``): the
job takes rows with ``models.queue.claim_due``, a viewer claims one row for the length of
a fetch (``RemoteMedia``); whoever holds the claim fetches, everyone else waits for its
result (in one process on the fetch's task, across processes by reading the row), never
longer than the fetch timeout.
"""

from __future__ import annotations

from enum import StrEnum

from fediserver.models import RemoteMediaState


class RemoteEvent(StrEnum):
    STORED = "stored"  # fetched, checked and its derivatives stored
    CHECKED = "checked"  # fetched and checked, nothing stored (proxy mode)
    REFUSED = "refused"  # the rules refuse it
    FAILED = "failed"  # no answer, an error answer, or no file we show
    EVICTED = "evicted"  # its files were pruned
    LINKED = "linked"  # its server's media is rejected by a domain block


# Where each event leaves a file, whatever state it was in (``refused`` is never left).
TRANSITIONS: dict[RemoteEvent, RemoteMediaState] = {
    RemoteEvent.STORED: RemoteMediaState.CACHED,
    RemoteEvent.CHECKED: RemoteMediaState.PROXIED,
    RemoteEvent.REFUSED: RemoteMediaState.REFUSED,
    RemoteEvent.FAILED: RemoteMediaState.FAILED,
    RemoteEvent.EVICTED: RemoteMediaState.EVICTED,
    RemoteEvent.LINKED: RemoteMediaState.LINKED,
}
FINAL_STATES = frozenset({RemoteMediaState.REFUSED})
# States a viewer is served from without fetching (in cache mode).
SERVED_FROM_STORE = frozenset({RemoteMediaState.CACHED})
# Only a cached file has files to evict.
EVICTABLE = frozenset({RemoteMediaState.CACHED})


class NoSuchMove(ValueError):
    """The event cannot happen to a file in this state."""


def moved(state: RemoteMediaState | str | None, event: RemoteEvent) -> RemoteMediaState:
    """The state ``event`` moves a file in ``state`` to; raises ``NoSuchMove`` for a move the
    life cycle does not have (a refused file changing, an uncached file evicted)."""
    current = RemoteMediaState(state) if state is not None else None
    if current in FINAL_STATES:
        raise NoSuchMove(f"a {current.value} file stays {current.value} ({event.value} cannot happen to it)")
    if event == RemoteEvent.EVICTED and current not in EVICTABLE:
        raise NoSuchMove(f"only a cached file can be evicted, not a {current.value if current else 'new'} one")
    return TRANSITIONS[event]


def needs_fetch(state: RemoteMediaState | str | None, remote_mode: str) -> bool:
    """Whether a view must fetch the file first (cache mode) or check it each time (proxy mode)."""
    if state is not None and RemoteMediaState(state) in FINAL_STATES:
        return False
    if remote_mode == "proxy":
        return True
    return state is None or RemoteMediaState(state) not in SERVED_FROM_STORE
