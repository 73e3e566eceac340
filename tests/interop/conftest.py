"""Fixtures that run Fedify interop peers: one pair of independent peers per test module."""

from collections.abc import Iterator

import pytest

from tests.interop.harness import FedifyPeer


def _running_peer(actors: tuple[str, ...]) -> Iterator[FedifyPeer]:
    peer = FedifyPeer(actors).start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture(scope="module")
def fedify_peer() -> Iterator[FedifyPeer]:
    """A Fedify peer serving the actors `bob` and `carol`."""
    yield from _running_peer(("bob", "carol"))


@pytest.fixture(scope="module")
def second_fedify_peer() -> Iterator[FedifyPeer]:
    """Another, independent Fedify peer (its own port and origin) serving `alice`."""
    yield from _running_peer(("alice",))
