"""Shared pieces of the outbox tests: a local artist with keys, remote accounts, a worker."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from fediserver.clock import utcnow
from fediserver.local_accounts import create_local_account
from fediserver.models import Account
from fediserver.services import build_services
from fediserver.urls import InstanceUrls
from outbox.delivery import DeliveryWorker, delivery_config
from tests.conftest import make_settings
from tests.outbox.inbox_receiver import InboxReceiver

URLS = InstanceUrls("https://art.example")
# The author of the remote posts the delivery tests like (never stored).
FAR_AUTHOR = Account(username="zoe", domain="far.example", uri="https://far.example/users/zoe")


class Clock:
    """The worker's idea of now, moved forward by the test instead of waiting.

    It starts a minute ahead, so jobs queued during the test are due at once."""

    def __init__(self) -> None:
        self.now = utcnow() + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
async def ada(db) -> Account:
    return await create_local_account(URLS, "ada")


def trusting(ada: Account, **options) -> InboxReceiver:
    receiver = InboxReceiver(**options)
    receiver.trust(ada.public_key_id, ada.uri, ada.public_key_pem)
    return receiver


async def remote_account(name: str, host: str, *, shared: bool = True, scheme: str = "https") -> Account:
    base = f"{scheme}://{host}/users/{name}"
    return await Account.create(
        username=name, domain=host, uri=base, url=f"{scheme}://{host}/@{name}", inbox_url=f"{base}/inbox",
        shared_inbox_url=f"{scheme}://{host}/inbox" if shared else None, followers_url=f"{base}/followers",
    )


@pytest.fixture
async def worker_factory(db):
    """Builds in-process delivery workers (real HTTP client, real database) on a fake clock."""
    services = []

    def build(clock: Clock | None = None, **delivery) -> DeliveryWorker:
        settings = make_settings(
            db, federation={"allow_private_addresses": True, "request_timeout_seconds": 5.0},
            delivery={"first_retry_seconds": 30.0, **delivery},
        )
        built = build_services(settings)
        services.append(built)
        return DeliveryWorker(built.http, delivery_config(settings), clock=clock or utcnow)

    yield build
    for built in services:
        await built.aclose()
