"""Quotes arriving: real Misskey and Fedibird quote posts, FEP-044f quotes checked against
their authorization (served by a real HTTP server on loopback), requests to quote our
artists' posts answered by their rule, and answers to our own requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fediserver.models import Activity, Delivery, InboundState, Post, QuotePolicy, QuoteState, Visibility
from fediserver.clock import utcnow
from inbox.fetch_tasks import FetchJob
from inbox.processing import InboundProcessor
from outbox import statuses
from tests.inbox.support import deliver, our_account, remote_actor
from tests.remote_peer import RemotePeer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "activitypub"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def create_of(note: dict) -> dict:
    return {"id": f"{note['id']}/activity", "type": "Create", "actor": note["attributedTo"], "object": note,
            "to": note["to"], "cc": note.get("cc", [])}


async def run_fetches(services) -> None:
    job = FetchJob(services.resolver)
    while await job.run_once():
        pass


@pytest.mark.parametrize("name", ["misskey/note-quote.json", "fedibird/note-quote-uri.json"])
async def test_a_legacy_quote_of_a_post_without_a_policy_is_shown(db, name):
    note = fixture(name)
    author = await remote_actor(note["attributedTo"])
    quoted_uri = note["_misskey_quote"]
    quoted_author = await remote_actor(quoted_uri.rsplit("/", 2)[0].replace("/notes", "/users/someone"))
    quoted = await Post.create(uri=quoted_uri, account=quoted_author, content="<p>quoted</p>", published_at=utcnow(),
                               document={"id": quoted_uri, "type": "Note"})

    item = await deliver(create_of(note))

    assert item.state == InboundState.DONE, item.last_error
    post = await Post.get(uri=note["id"])
    assert (post.quote_uri, post.quote_of_id, post.quote_state) == (quoted_uri, quoted.pk, QuoteState.ACCEPTED)
    assert post.account_id == author.pk


async def test_a_legacy_quote_of_a_post_whose_policy_forbids_it_is_refused(db):
    quoted_author = await remote_actor("https://gts.example/users/gem")
    quoter = await remote_actor("https://misskey.example/users/mo")
    quoted = await Post.create(uri="https://gts.example/users/gem/statuses/1", account=quoted_author,
                               content="<p>mine</p>", published_at=utcnow(), document={
                                   "id": "https://gts.example/users/gem/statuses/1", "type": "Note",
                                   "interactionPolicy": {"canQuote": {"automaticApproval": [quoted_author.uri]}}})
    note = {"id": f"{quoter.uri}/notes/1", "type": "Note", "attributedTo": quoter.uri, "content": "<p>ha</p>",
            "to": [PUBLIC], "_misskey_quote": quoted.uri}

    await deliver(create_of(note))

    post = await Post.get(uri=note["id"])
    assert post.quote_state == QuoteState.REJECTED


@pytest.fixture
async def gem():
    async with RemotePeer("gem") as remote:
        yield remote


async def fep_quote(gem: RemotePeer, quoter_uri: str, authorization: dict | None) -> dict:
    quoted = {"id": f"{gem.actor_id}/statuses/1", "type": "Note", "attributedTo": gem.actor_id,
              "content": "<p>original</p>", "to": [PUBLIC],
              "interactionPolicy": {"canQuote": {"automaticApproval": [PUBLIC]}}}
    gem.serve("/users/gem/statuses/1", quoted)
    note = {"id": f"{quoter_uri}/statuses/9", "type": "Note", "attributedTo": quoter_uri, "content": "<p>see</p>",
            "to": [PUBLIC], "quote": quoted["id"]}
    if authorization is not None:
        gem.serve("/users/gem/quote_authorizations/9", {"id": f"{gem.actor_id}/quote_authorizations/9", **authorization})
        note["quoteAuthorization"] = f"{gem.actor_id}/quote_authorizations/9"
    return note


@pytest.mark.parametrize("authorized_object,state", [
    ("the quote", QuoteState.ACCEPTED),
    ("another post", QuoteState.REJECTED),
])
async def test_a_quote_is_believed_only_with_its_authorization(services, gem, authorized_object, state):
    quoter = await remote_actor("https://quoter.example/users/qu")
    note = await fep_quote(gem, quoter.uri, {
        "type": "QuoteAuthorization", "attributedTo": gem.actor_id,
        "interactingObject": f"{quoter.uri}/statuses/9" if authorized_object == "the quote" else f"{quoter.uri}/statuses/8",
        "interactionTarget": f"{gem.actor_id}/statuses/1"})

    item = await deliver(create_of(note), InboundProcessor(resolver=services.resolver))
    assert item.state == InboundState.DONE, item.last_error
    assert (await Post.get(uri=note["id"])).quote_state == QuoteState.PENDING
    await run_fetches(services)

    post = await Post.get(uri=note["id"])
    assert post.quote_state == state
    assert post.quote_of_id == (await Post.get(uri=f"{gem.actor_id}/statuses/1")).pk


async def test_a_quote_without_authorization_waits(services, gem):
    quoter = await remote_actor("https://quoter.example/users/qu")
    note = await fep_quote(gem, quoter.uri, None)

    await deliver(create_of(note), InboundProcessor(resolver=services.resolver))
    await run_fetches(services)

    post = await Post.get(uri=note["id"])
    assert post.quote_of_id is not None and post.quote_state == QuoteState.PENDING


async def quote_request(requester, quoted: Post, number: int) -> dict:
    quoting = {"id": f"{requester.uri}/statuses/{number}", "type": "Note", "attributedTo": requester.uri,
               "content": "<p>quoting you</p>", "to": [PUBLIC], "quote": quoted.uri}
    return {"id": f"{requester.uri}/quote_requests/{number}", "type": "QuoteRequest", "actor": requester.uri,
            "object": quoted.uri, "instrument": quoting}


async def test_a_request_to_quote_a_public_post_is_accepted_with_an_authorization(services, client):
    ada = await our_account("ada")
    requester = await remote_actor("https://far.example/users/fa")
    quoted = await statuses.post_status(ada, "A public drawing", visibility="public", notes=services.notes)

    item = await deliver(await quote_request(requester, quoted, 1))

    assert item.state == InboundState.DONE, item.last_error
    quoting = await Post.get(uri=f"{requester.uri}/statuses/1")
    assert (quoting.quote_of_id, quoting.quote_state) == (quoted.pk, QuoteState.ACCEPTED)
    accept = await Activity.get(type="Accept", actor=ada)
    assert accept.payload["result"] == quoting.quote_authorization_uri
    assert accept.payload["object"]["id"] == f"{requester.uri}/quote_requests/1"
    assert await Delivery.exists(activity=accept, inbox_url=f"{requester.uri}/inbox")
    served = await client.get(quoting.quote_authorization_uri.removeprefix("https://art.example"))
    assert served.status_code == 200
    assert (await served.get_json())["interactingObject"] == quoting.uri


@pytest.mark.parametrize("visibility,policy", [("public", QuotePolicy.NOBODY), ("private", None)])
async def test_a_request_to_quote_a_closed_or_followers_only_post_is_rejected(services, visibility, policy):
    ada = await our_account("ada")
    requester = await remote_actor("https://far.example/users/fa")
    quoted = await statuses.post_status(ada, "Not for quoting", visibility=visibility, notes=services.notes,
                                        quote_policy=policy)

    await deliver(await quote_request(requester, quoted, 2))

    reject = await Activity.get(type="Reject", actor=ada)
    assert reject.payload["object"]["instrument"] == f"{requester.uri}/statuses/2"
    assert not await Post.exists(uri=f"{requester.uri}/statuses/2", quote_state=QuoteState.ACCEPTED)


async def test_our_quote_is_settled_by_the_answer_to_our_request(services):
    ada = await our_account("ada")
    gem = await remote_actor("https://gts.example/users/gem")
    quoted = await Post.create(uri=f"{gem.uri}/statuses/1", account=gem, content="<p>theirs</p>",
                               published_at=utcnow(), visibility=Visibility.PUBLIC)
    ours = await statuses.post_status(ada, "Quoting gem", visibility="public", notes=services.notes, quote=quoted)
    request = await Activity.get(type="QuoteRequest", actor=ada)
    assert request.payload["object"] == quoted.uri and request.payload["instrument"]["id"] == ours.uri
    assert await Delivery.exists(activity=request, inbox_url=f"{gem.uri}/inbox")

    accept = {"id": f"{gem.uri}#accepts/1", "type": "Accept", "actor": gem.uri,
              "object": {"id": request.uri, "type": "QuoteRequest", "actor": ada.uri, "object": quoted.uri,
                         "instrument": ours.uri},
              "result": f"{gem.uri}/quote_authorizations/1"}
    item = await deliver(accept, InboundProcessor(notes=services.notes))

    assert item.state == InboundState.DONE, item.last_error
    await ours.refresh_from_db()
    assert (ours.quote_state, ours.quote_authorization_uri) == (QuoteState.ACCEPTED, accept["result"])
    update = await Activity.get(type="Update", actor=ada)
    assert update.payload["object"]["quoteAuthorization"] == accept["result"]


async def test_an_answer_from_someone_else_is_refused(services):
    ada = await our_account("ada")
    gem = await remote_actor("https://gts.example/users/gem")
    eve = await remote_actor("https://gts.example/users/eve")
    quoted = await Post.create(uri=f"{gem.uri}/statuses/1", account=gem, content="<p>theirs</p>",
                               published_at=utcnow(), visibility=Visibility.PUBLIC)
    ours = await statuses.post_status(ada, "Quoting gem", visibility="public", notes=services.notes, quote=quoted)

    forged = {"id": f"{eve.uri}#accepts/1", "type": "Accept", "actor": eve.uri,
              "object": f"{ours.uri}#quote_request", "result": f"{eve.uri}/quote_authorizations/1"}
    item = await deliver(forged, InboundProcessor(notes=services.notes))

    assert item.state == InboundState.FAILED and "forged" in item.last_error
    await ours.refresh_from_db()
    assert ours.quote_state == QuoteState.PENDING
