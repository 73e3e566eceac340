"""Domain-block tests: this process's domain policy, made fresh for each test and put
back empty afterwards, so no block outlives the test that made it."""

from __future__ import annotations

import pytest

from fediserver.moderation.domain_blocks import DomainPolicy, install_domain_policy


@pytest.fixture
async def policy(db):
    """The policy of an instance at art.example, reading every change at once."""
    installed = install_domain_policy(DomainPolicy("art.example", reload_seconds=0))
    await installed.reload()
    yield installed
    install_domain_policy(DomainPolicy())


@pytest.fixture(autouse=True)
def _fresh_policy_after_each_test():
    yield
    install_domain_policy(DomainPolicy())
