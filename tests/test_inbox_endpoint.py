"""The inbox endpoints: verified activities are stored and answered 202, everything a
sender could get wrong is refused with the status it needs (401 for any signature
problem, so double-knocking senders fall back)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from federation.keys import generate_rsa_private_key_pem, load_private_key_pem
from federation.signatures import Generation
from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.models import Account, InboundItem
from fediserver.moderation.account_actions import suspend
from fediserver.moderation.audit import COMMAND_LINE
from fediserver.urls import InstanceUrls
from tests.conftest import make_settings
from tests.federation.loopback_server import Reply
from tests.inbox_door import BASE

async def post(app, peer, path, activity, *, generation=Generation.CAVAGE, body=None, **sign):
    body = json.dumps(activity).encode() if body is None else body
    headers = peer.signed_headers("POST", BASE + path, body, generation=generation, **sign)
    return await app.test_client().post(path, data=body, headers=headers)


@pytest.mark.parametrize("generation", [Generation.CAVAGE, Generation.RFC9421])
@pytest.mark.parametrize("path", ["/users/alice/inbox", "/inbox"])
async def test_a_signed_activity_is_stored_and_accepted(server, peer, generation, path):
    follow = peer.activity("Follow", object=f"{BASE}/users/alice")

    response = await post(server, peer, path, follow, generation=generation)

    assert response.status_code == 202
    item = await InboundItem.get(activity_uri=follow["id"])
    assert (item.actor_uri, item.key_id, item.activity_type) == (peer.actor_id, peer.key_id, "Follow")
    assert item.payload == follow
    sender = await Account.get(uri=peer.actor_id)
    assert sender.domain == f"127.0.0.1:{peer.server.port}"
    assert sender.inbox_url == f"{peer.actor_id}/inbox"


async def test_the_same_activity_twice_is_stored_once(server, peer):
    follow = peer.activity("Follow", object=f"{BASE}/users/alice")
    first = await post(server, peer, "/users/alice/inbox", follow)
    second = await post(server, peer, "/inbox", follow)
    assert (first.status_code, second.status_code) == (202, 202)
    assert await InboundItem.filter(activity_uri=follow["id"]).count() == 1


async def test_activities_arriving_together_are_each_stored_once_and_accepted(server, peer):
    """POSTs that arrive while others are being written are stored together (one commit
    for the group); whatever the grouping, each activity is stored once, each POST is
    answered 202 only with its row stored, and a post reaching two personal inboxes at
    the same moment may be read by both artists."""
    await create_local_account(InstanceUrls(BASE), "bob")
    earlier = peer.activity("Like", "earlier", object=f"{BASE}/users/alice")
    assert (await post(server, peer, "/inbox", earlier)).status_code == 202  # also caches the key
    likes = [peer.activity("Like", f"like-{n}", object=f"{BASE}/users/alice") for n in range(20)]
    note = {"id": f"{peer.actor_id}/notes/1", "type": "Note", "attributedTo": peer.actor_id, "content": "hi",
            "to": [f"{BASE}/users/alice", f"{BASE}/users/bob"]}
    create = peer.activity("Create", "create", object=note, to=note["to"])
    all_new = [("/users/alice/inbox", like) for like in likes[:10]]
    with_copies = ([("/users/alice/inbox", like) for like in likes[10:]]
                   + [("/users/alice/inbox", create), ("/users/bob/inbox", create), ("/inbox", create)]
                   + [("/users/alice/inbox", earlier)] * 3)

    for sent in (all_new, with_copies):
        answers = await asyncio.gather(*(post(server, peer, path, activity) for path, activity in sent))
        assert [a.status_code for a in answers] == [202] * len(sent)

    for activity in [*likes, create, earlier]:
        assert await InboundItem.filter(activity_uri=activity["id"]).count() == 1, activity["id"]
    stored = await InboundItem.get(activity_uri=create["id"])
    assert {f"{BASE}/users/alice", f"{BASE}/users/bob"} <= set(stored.delivered_to)
    assert await InboundItem.all().count() == len(likes) + 2


async def test_the_key_is_fetched_once_then_cached(server, peer):
    for tag in ("a", "b", "c"):
        response = await post(server, peer, "/inbox", peer.activity("Like", tag, object=f"{BASE}/users/alice"))
        assert response.status_code == 202
    actor_fetches = [r for r in peer.server.received if r.target == f"/users/{peer.name}"]
    assert len(actor_fetches) == 1
    # Fetched with a GET signed by our instance actor.
    assert actor_fetches[0].headers.get("signature-input") or actor_fetches[0].headers.get("signature")


async def test_a_rotated_key_is_fetched_again(server, peer):
    assert (await post(server, peer, "/inbox", peer.activity("Like", "a", object="x"))).status_code == 202
    peer.rotate_key()
    assert (await post(server, peer, "/inbox", peer.activity("Like", "b", object="x"))).status_code == 202


async def test_unsigned_post_is_refused_with_401(server, peer):
    activity = peer.activity("Follow", object=f"{BASE}/users/alice")
    response = await server.test_client().post(
        "/users/alice/inbox", data=json.dumps(activity), headers={"content-type": "application/activity+json"}
    )
    assert response.status_code == 401
    assert (await response.get_json())["error"] == "unsigned"
    assert await InboundItem.all().count() == 0


@pytest.mark.parametrize("generation", [Generation.CAVAGE, Generation.RFC9421])
async def test_a_tampered_body_is_refused_with_401(server, peer, generation):
    activity = peer.activity("Follow", object=f"{BASE}/users/alice")
    body = json.dumps(activity).encode()
    headers = peer.signed_headers("POST", BASE + "/inbox", body, generation=generation)
    tampered = body.replace(b"Follow", b"Block")
    response = await server.test_client().post("/inbox", data=tampered, headers=headers)
    assert response.status_code == 401
    assert (await response.get_json())["error"] == "bad digest"
    assert await InboundItem.all().count() == 0


@pytest.mark.parametrize("generation", [Generation.CAVAGE, Generation.RFC9421])
async def test_a_stale_signature_is_refused_with_401(server, peer, generation):
    activity = peer.activity("Follow", object=f"{BASE}/users/alice")
    response = await post(server, peer, "/inbox", activity, generation=generation, now=time.time() - 2 * 3600)
    assert response.status_code == 401
    assert (await response.get_json())["error"] in ("stale date", "expired")


async def test_a_signature_with_the_wrong_key_is_refused_with_401(server, peer):
    wrong = load_private_key_pem(generate_rsa_private_key_pem())
    response = await post(server, peer, "/inbox", peer.activity("Like", object="x"), private_key=wrong)
    assert response.status_code == 401
    assert (await response.get_json())["error"] == "bad signature"


async def test_an_unknown_key_is_refused_with_401(server, peer):
    response = await post(server, peer, "/inbox", peer.activity("Like", object="x"),
                          key_id=f"{peer.origin}/users/nobody#main-key")
    assert response.status_code == 401
    assert (await response.get_json())["error"] == "unknown key"


async def test_the_query_string_is_part_of_the_signed_url(server, peer):
    body = json.dumps(peer.activity("Like", object="x")).encode()
    headers = peer.signed_headers("POST", BASE + "/inbox?from=relay%2F1", body, generation=Generation.RFC9421)
    response = await server.test_client().post("/inbox?from=relay%2F1", data=body, headers=headers)
    assert response.status_code == 202
    response = await server.test_client().post("/inbox?from=other", data=body, headers=headers)
    assert response.status_code == 401


async def test_a_url_signed_for_another_path_is_refused(server, peer):
    body = json.dumps(peer.activity("Like", object="x")).encode()
    headers = peer.signed_headers("POST", BASE + "/users/alice/inbox", body)
    response = await server.test_client().post("/inbox", data=body, headers=headers)
    assert response.status_code == 401


async def test_an_activity_of_another_actor_without_its_proof_is_refused(server, peer):
    relayed = peer.activity("Like", object="x") | {"actor": f"{peer.origin}/users/someone-else"}
    response = await post(server, peer, "/inbox", relayed)
    assert response.status_code == 401
    answer = await response.get_json()
    assert answer["error"] == "signer is not the actor"
    assert "carries no integrity proof by its actor" in answer["detail"]
    forged_proof = relayed | {"id": relayed["id"] + "-2", "proof": {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "proofPurpose": "assertionMethod",
        "verificationMethod": f"{peer.origin}/users/someone-else#ed25519-key", "proofValue": "z3"}}
    response = await post(server, peer, "/inbox", forged_proof)
    assert response.status_code == 401 and "proof fails" in (await response.get_json())["detail"]
    assert await InboundItem.all().count() == 0


async def test_garbage_is_400_once_verified(server, peer):
    response = await post(server, peer, "/inbox", None, body=b"{not json")
    assert response.status_code == 400
    response = await post(server, peer, "/inbox", None, body=b"[1, 2]")
    assert response.status_code == 400


async def test_a_body_over_the_limit_is_413(db, peer):
    settings = make_settings(db, federation={"allow_private_addresses": True, "max_inbox_bytes": 16_384})
    app = create_app(settings, manage_database=False, run_jobs=False)
    big = peer.activity("Create", object={"type": "Note", "content": "x" * 20_000})
    response = await post(app, peer, "/inbox", big)
    assert response.status_code == 413
    assert await InboundItem.all().count() == 0


async def test_an_unknown_recipient_is_404(server, peer):
    response = await post(server, peer, "/users/nobody/inbox", peer.activity("Follow", object="x"))
    assert response.status_code == 404
    response = await post(server, peer, "/users/actor/inbox", peer.activity("Follow", object="x"))
    assert response.status_code == 404


async def test_a_suspended_artist_s_inbox_is_404_at_once_though_it_took_posts_before(server, peer):
    assert (await post(server, peer, "/users/alice/inbox", peer.activity("Follow", object="x"))).status_code == 202
    alice = await Account.get(username="alice", domain="")
    await suspend(COMMAND_LINE, alice, urls=server.config["SERVICES"].urls)
    response = await post(server, peer, "/users/alice/inbox", peer.activity("Follow", object="y"))
    assert response.status_code == 404


async def test_a_self_delete_of_a_gone_actor_is_accepted_and_dropped(server, peer):
    peer.serve(f"/users/{peer.name}", Reply(410, body=b"gone"))
    delete = peer.activity("Delete", object=peer.actor_id)
    response = await post(server, peer, "/inbox", delete)
    assert response.status_code == 202
    assert await InboundItem.all().count() == 0
    # Any other activity whose key cannot be fetched stays refused.
    response = await post(server, peer, "/inbox", peer.activity("Delete", "2", object=f"{peer.actor_id}/notes/1"))
    assert response.status_code == 401
