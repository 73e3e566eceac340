"""The instance actor: the server itself as an ActivityPub ``Application``.

It signs the GETs this server makes (fetching remote actors and keys), which servers
running "authorized fetch" (GoToSocial, Mastodon in secure mode) require, and its own
document stays readable without a signature so they can check those signatures.

It is an ``Account`` row like any local account, with the reserved username ``actor``
(no artist can take it) and its own RSA key, served at ``/actor`` rather than under
``/users/``. ``ensure_instance_actor`` creates it once; every later call returns it.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from fediserver.local_accounts import generate_key_pair
from fediserver.models import Account
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.urls import InstanceUrls

INSTANCE_ACTOR_USERNAME = "actor"
INSTANCE_ACTOR_TYPE = "Application"


async def ensure_instance_actor(urls: InstanceUrls, *, instance_name: str = "") -> Account:
    """The instance actor, created with a fresh key pair the first time it is needed."""
    existing = await Account.get_or_none(username=INSTANCE_ACTOR_USERNAME, domain=LOCAL_DOMAIN)
    if existing is not None:
        return existing
    private_pem, public_pem = generate_key_pair()
    try:
        return await Account.create(
            username=INSTANCE_ACTOR_USERNAME,
            domain=LOCAL_DOMAIN,
            actor_type=INSTANCE_ACTOR_TYPE,
            uri=urls.instance_actor,
            url=urls.base_url + "/",
            inbox_url=urls.shared_inbox,
            shared_inbox_url=urls.shared_inbox,
            display_name=instance_name or urls.base_url.split("://", 1)[1],
            manually_approves_followers=True,
            public_key_id=urls.instance_key_id,
            public_key_pem=public_pem,
            private_key_pem=private_pem,
        )
    except IntegrityError:  # created by another process between the check and the insert
        return await Account.get(username=INSTANCE_ACTOR_USERNAME, domain=LOCAL_DOMAIN)


def artists():
    """Local accounts that are people (every local account but the instance actor)."""
    return Account.filter(domain=LOCAL_DOMAIN).exclude(username=INSTANCE_ACTOR_USERNAME)
