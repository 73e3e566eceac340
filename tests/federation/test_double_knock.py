"""Double-knocking against a real ASGI inbox that verifies with our own verifier and
accepts only one signature generation."""

import httpx
import pytest

from federation.double_knock import DoubleKnockSigner, calls_for_other_generation
from federation.keys import ResolvedKey, generate_rsa_private_key_pem, load_private_key_pem
from federation.signatures import Generation, SignatureError, verify_request

ACTOR = "http://art.test/users/mira"
KEY_ID = ACTOR + "#main-key"
PRIVATE_KEY = load_private_key_pem(generate_rsa_private_key_pem())
BODY = b'{"type": "Create"}'


async def resolve(key_id):
    return ResolvedKey(KEY_ID, ACTOR, PRIVATE_KEY.public_key()) if key_id == KEY_ID else None


class PickyInbox:
    """A raw ASGI app: 202 for a request signed in the generation it accepts, 401
    otherwise; `missing_status` answers everything on /gone."""

    def __init__(self, accepts, missing_status=404):
        self.accepts = accepts
        self.missing_status = missing_status
        self.seen = []

    async def __call__(self, scope, receive, send):
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        url = f"{scope['scheme']}://{dict(scope['headers'])[b'host'].decode()}{scope['path']}"
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode()
        try:
            verified = await verify_request(
                scope["method"], url, scope["headers"], body or None, resolve_key=resolve
            )
            self.seen.append(verified.generation)
            status = 202 if verified.generation == self.accepts else 401
        except SignatureError:
            self.seen.append(None)
            status = 401
        if scope["path"] == "/gone":
            status = self.missing_status
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def signer_for(app):
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))

    async def send(method, url, headers, body):
        return await client.request(method, url, headers=headers, content=body)

    return DoubleKnockSigner(send, key_id=KEY_ID, private_key=PRIVATE_KEY), client


async def test_falls_back_to_cavage_on_401_and_remembers_it():
    inbox = PickyInbox(accepts=Generation.CAVAGE)
    signer, client = signer_for(inbox)
    async with client:
        first = await signer.request("POST", "http://old.test/inbox", {"Content-Type": "application/activity+json"}, BODY)
        assert first.status_code == 202
        assert inbox.seen == [Generation.RFC9421, Generation.CAVAGE]
        second = await signer.request("POST", "http://old.test/users/x/inbox", {}, BODY)
        assert second.status_code == 202
        assert inbox.seen[2:] == [Generation.CAVAGE]  # one knock only
    assert signer.export() == {"http://old.test": "draft-cavage"}


async def test_rfc9421_peer_needs_one_knock():
    inbox = PickyInbox(accepts=Generation.RFC9421)
    signer, client = signer_for(inbox)
    async with client:
        assert (await signer.request("POST", "http://new.test/inbox", {}, BODY)).status_code == 202
        assert (await signer.request("GET", "http://new.test/users/x?page=1")).status_code == 202
    assert inbox.seen == [Generation.RFC9421, Generation.RFC9421]
    assert signer.export() == {"http://new.test": "rfc9421"}


@pytest.mark.parametrize("status", [404, 410])
async def test_no_fallback_when_the_resource_is_missing(status):
    inbox = PickyInbox(accepts=Generation.CAVAGE, missing_status=status)
    signer, client = signer_for(inbox)
    async with client:
        response = await signer.request("POST", "http://old.test/gone", {}, BODY)
    assert response.status_code == status
    assert inbox.seen == [Generation.RFC9421]


async def test_remembered_choice_survives_export_and_load():
    inbox = PickyInbox(accepts=Generation.CAVAGE)
    signer, client = signer_for(inbox)
    async with client:
        await signer.request("POST", "http://old.test/inbox", {}, BODY)
        restarted, _ = signer_for(inbox)
        restarted.load(signer.export() | {"http://x.test": "no-such-generation"})
        inbox.seen.clear()
        await restarted.request("POST", "http://OLD.test/inbox", {}, BODY)
    assert inbox.seen == [Generation.CAVAGE]
    assert restarted.export() == {"http://old.test": "draft-cavage"}


async def test_both_refused_leaves_the_memory_alone():
    async def always_401(scope, receive, send):
        await send({"type": "http.response.start", "status": 401, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    signer, client = signer_for(always_401)
    async with client:
        response = await signer.request("POST", "http://closed.test/inbox", {}, BODY)
    assert response.status_code == 401
    assert signer.export() == {}


def test_statuses_that_call_for_the_other_generation():
    assert [s for s in (200, 202, 301, 400, 401, 403, 404, 410, 500, 503) if calls_for_other_generation(s)] == [
        400, 401, 403, 500, 503,
    ]


async def test_tuple_responses_are_understood():
    calls = []

    async def send(method, url, headers, body):
        calls.append(headers)
        return (401 if "Signature-Input" in headers else 202, b"")

    signer = DoubleKnockSigner(send, key_id=KEY_ID, private_key=PRIVATE_KEY)
    assert (await signer.request("POST", "https://t.example/inbox", {}, BODY))[0] == 202
    assert len(calls) == 2 and "Signature-Input" not in calls[1]
