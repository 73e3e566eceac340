"""Moving an artist's account to another server, through the client API (GoToSocial's
endpoints: aliases, then the move) with the new account served by a real HTTP server."""

from __future__ import annotations

import requests

from fediserver.models import Account, Activity, Delivery, Follow, FollowState
from tests.api.conftest import call
from tests.remote_peer import RemotePeer


def post_as(served, artist, path: str, data) -> requests.Response:
    return requests.post(f"{served.base_url}{path}", data=data,
                         headers={"Authorization": f"Bearer {artist.token}"})


async def test_aliases_are_set_with_the_addresses_of_existing_accounts(served, make_artist):
    ada = await make_artist("ada")
    async with RemotePeer("zoe") as zoe:
        zoe.serve_webfinger()
        response = await call(post_as, served, ada, "/api/v1/accounts/alias",
                              {"also_known_as_uris[]": [zoe.actor_id, f"@{zoe.handle}"]})
        assert response.status_code == 200, response.text
        assert (await Account.get(pk=ada.account.pk)).also_known_as == [zoe.actor_id]
        actor = await call(requests.get, ada.account.uri, headers={"Accept": "application/activity+json"})
        assert actor.json()["alsoKnownAs"] == [zoe.actor_id]

        missing = await call(post_as, served, ada, "/api/v1/accounts/alias",
                             {"also_known_as_uris[]": [f"{zoe.origin}/users/nobody"]})
        assert missing.status_code == 422 and "404" in missing.json()["error"]
        cleared = await call(post_as, served, ada, "/api/v1/accounts/alias", {})
        assert cleared.status_code == 200 and (await Account.get(pk=ada.account.pk)).also_known_as == []


async def test_a_move_needs_the_password_and_the_new_account_naming_the_old(served, make_artist):
    ada = await make_artist("ada")
    await Account.filter(pk=ada.account.pk).update(password_hash=_hash("correct horse"))
    async with RemotePeer("zoe") as zoe:
        wrong = await call(post_as, served, ada, "/api/v1/accounts/move",
                           {"password": "nope", "moved_to_uri": zoe.actor_id})
        assert wrong.status_code == 422 and "password" in wrong.json()["error"]
        unnamed = await call(post_as, served, ada, "/api/v1/accounts/move",
                             {"password": "correct horse", "moved_to_uri": zoe.actor_id})
        assert unnamed.status_code == 422 and "alsoKnownAs" in unnamed.json()["error"]
        assert (await Account.get(pk=ada.account.pk)).moved_to_uri is None
        assert not await Activity.exists(type="Move")


async def test_a_moved_account_tells_its_followers_redirects_and_stops_posting(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await Account.filter(pk=ada.account.pk).update(password_hash=_hash("correct horse"))
    await call(bea.client.account_follow, ada.account.pk)
    remote_follower = await Account.create(username="rem", domain="far.example", uri="https://far.example/users/rem",
                                           inbox_url="https://far.example/users/rem/inbox",
                                           shared_inbox_url="https://far.example/inbox")
    await Follow.create(follower=remote_follower, target=ada.account, state=FollowState.ACCEPTED)
    async with RemotePeer("zoe") as zoe:
        zoe.serve(f"/users/{zoe.name}", zoe.actor_document(alsoKnownAs=[ada.account.uri]))

        moved = await call(post_as, served, ada, "/api/v1/accounts/move",
                           {"password": "correct horse", "moved_to_uri": zoe.actor_id})

        assert moved.status_code == 202, moved.text
    move = await Activity.get(type="Move")
    assert (move.payload["object"], move.payload["target"]) == (ada.account.uri, zoe.actor_id)
    assert await Delivery.exists(activity=move, inbox_url="https://far.example/inbox")
    # bea, a follower here, now follows the new account (pending its server's Accept).
    assert await Follow.exists(follower=bea.account, target__uri=zoe.actor_id, state=FollowState.PENDING)
    assert not await Follow.exists(follower=bea.account, target=ada.account)
    actor = await call(requests.get, ada.account.uri, headers={"Accept": "application/activity+json"})
    assert actor.json()["movedTo"] == zoe.actor_id
    profile = await call(requests.get, f"{served.base_url}/@ada", allow_redirects=False)
    assert profile.status_code == 301 and profile.headers["Location"] == zoe.actor_id
    me = await call(ada.client.account_verify_credentials)
    assert me.moved.url == zoe.actor_id
    refused = await call(post_as, served, ada, "/api/v1/statuses", {"status": "still here?"})
    assert refused.status_code == 422 and "has moved" in refused.json()["error"]


def _hash(password: str) -> str:
    from fediserver.passwords import hash_password

    return hash_password(password)
