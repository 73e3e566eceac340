"""The inbox door under generated input: activities of every shape, signed properly, with
the wrong key, with many labels, not at all, with headers changed after signing, and
bodies that are no JSON at all.

Whatever arrives: never a 500, every refusal a 4xx with a JSON reason, and nothing is
ever stored but what the sender's real key signed, exactly as it was signed."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.keys import generate_rsa_private_key_pem, load_private_key_pem
from federation.received_json import MAX_JSON_DEPTH
from federation.signatures import Generation, sign_request
from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.models import InboundItem
from fediserver.urls import InstanceUrls
from tests.conftest import make_settings
from tests.remote_peer import ACTIVITY_JSON, RemotePeer

BASE = "https://art.example"
WRONG_KEY = load_private_key_pem(generate_rsa_private_key_pem())
TYPES = ["Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo", "Like", "Announce", "Block",
         "Flag", "Move", "Add", "Remove", "EmojiReact", "Note", "Person", ""]
# The signed kinds come up more often: only they reach the queue.
SIGNING = ["cavage", "rfc9421", "many labels"] * 2 + ["none", "wrong key", "foreign key id", "tampered body"]
# Host is changed only to host-like text: the test client itself cannot send others (the
# signature tests cover those).
SIGNATURE_HEADERS = ["signature", "signature-input", "digest", "content-digest", "date", "content-type",
                     "authorization"]


@pytest.fixture
async def door(db):
    """What the examples share: the app, the peer, and every body the peer really signed."""
    app = create_app(make_settings(db, federation={"allow_private_addresses": True}),
                     manage_database=False, run_jobs=False)
    await create_local_account(InstanceUrls(BASE), "alice")
    async with RemotePeer() as peer:
        yield {"app": app, "peer": peer, "signed": []}
    await app.config["SERVICES"].aclose()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@st.composite
def activities(draw) -> dict[str, Any] | bytes:
    """An activity as a JSON object (mostly well formed but for its type, object and other
    fields; sometimes anything; sometimes nested about as deep as allowed), or raw bytes."""
    shape = draw(st.sampled_from(["well formed"] * 3 + ["loose", "deep", "bytes", "json"]))
    if shape == "bytes":
        return draw(st.binary(max_size=200))
    if shape == "json":
        return draw(json_values)
    activity: dict[str, Any] = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": draw(st.sampled_from(TYPES) | st.text(max_size=10) | st.text(min_size=30, max_size=80)
                     | st.lists(st.sampled_from(TYPES), max_size=3)),
        "actor": "{actor}",
        "id": draw(st.text(max_size=30).map(lambda tail: "{origin}/a/{n}" + tail)),
        "object": draw(st.sampled_from(["{base}/users/alice", "{actor}", "{origin}/notes/1"]) | json_values),
    }
    if shape == "loose":
        activity["actor"] = draw(st.sampled_from(["{actor}", "https://else.example/users/x", "acct:x",
                                                  "{actor}/../other", ""]) | st.text(max_size=30) | json_values)
        activity["id"] = draw(st.sampled_from(["{origin}/a/{n}", "https://else.example/a/{n}", "", "urn:x:{n}"])
                              | st.text(max_size=3000).map(lambda tail: "{origin}/a/" + tail)
                              | st.text(max_size=30) | json_values)
    activity.update(draw(st.dictionaries(st.sampled_from(["to", "cc", "target", "published", "content"]),
                                         json_values, max_size=3)))
    if shape == "deep":
        levels = draw(st.integers(MAX_JSON_DEPTH - 2, MAX_JSON_DEPTH + 3))
        inner: Any = {}
        for _ in range(levels - 2):
            inner = {"inner": inner}
        activity["object"] = inner
    return activity


def fill(value: Any, peer: RemotePeer, number: int) -> Any:
    """Put the peer's real URLs where the strategy left placeholders."""
    if isinstance(value, str):
        return (value.replace("{actor}", peer.actor_id).replace("{origin}", peer.origin)
                .replace("{base}", BASE).replace("{n}", str(number)))
    if isinstance(value, list):
        return [fill(item, peer, number) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, peer, number) for key, item in value.items()}
    return value


def numbers_as_floats(value: Any) -> Any:
    """PostgreSQL keeps JSON numbers as decimals: 5.84327394033725e+16 comes back as the
    integer 58432739403372500, the same number as written but not the same double."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [numbers_as_floats(item) for item in value]
    return {key: numbers_as_floats(item) for key, item in value.items()}


def labels(peer: RemotePeer, url: str, body: bytes, count: int) -> dict[str, str]:
    headers = {"content-type": ACTIVITY_JSON}
    inputs, signatures = [], []
    for n in range(count):
        key_id = peer.key_id if n == count - 1 else f"{peer.origin}/users/k{n}#main-key"
        added = sign_request("POST", url, headers, body, key_id=key_id, private_key=peer.private_key,
                             generation=Generation.RFC9421)
        inputs.append(added["Signature-Input"].replace("sig1=", f"s{n}="))
        signatures.append(added["Signature"].replace("sig1=", f"s{n}="))
        headers.setdefault("content-digest", added.get("Content-Digest", ""))
    return headers | {"signature-input": ", ".join(inputs), "signature": ", ".join(signatures)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(
    activity=activities(),
    signing=st.sampled_from(SIGNING),
    path=st.sampled_from(["/inbox", "/users/alice/inbox", "/users/nobody/inbox"]),
    changed=st.dictionaries(st.sampled_from(SIGNATURE_HEADERS), st.text(
        st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=60), max_size=2)
    | st.fixed_dictionaries({"host": st.from_regex(r"[a-zA-Z0-9.:-]{0,30}", fullmatch=True)}),
    number=st.integers(0, 5),
)
async def test_the_inbox_never_fails_and_stores_only_what_the_sender_signed(door, activity, signing, path,
                                                                           changed, number):
    app, peer = door["app"], door["peer"]
    if isinstance(activity, bytes):
        body = activity
    else:
        document = fill(activity, peer, number)
        try:
            body = json.dumps(document).encode()
        except (TypeError, ValueError, RecursionError):
            body = orjson.dumps({"type": "Follow"})
    url = BASE + path
    if signing == "none":
        headers = {"content-type": ACTIVITY_JSON}
    elif signing == "many labels":
        headers = labels(peer, url, body, count=4)
    else:
        generation = Generation.CAVAGE if signing in ("cavage", "wrong key") else Generation.RFC9421
        headers = peer.signed_headers(
            "POST", url, body, generation=generation,
            private_key=WRONG_KEY if signing == "wrong key" else None,
            key_id=f"{peer.origin}/users/nobody#main-key" if signing == "foreign key id" else None,
        )
    # The body the peer's key signed (headers changed afterwards may still verify when the
    # signature does not cover them); nothing else may ever be stored.
    genuine = signing in ("cavage", "rfc9421", "many labels")
    if signing == "tampered body":
        body = body + b" "
    headers = {name: value for name, value in headers.items() if name.lower() not in changed} | changed

    response = await app.test_client().post(path, data=body, headers=headers)

    assert response.status_code in (202, 400, 401, 404, 413), (response.status_code, await response.get_data())
    if response.status_code != 202:
        answer = await response.get_json()
        assert isinstance(answer, dict) and answer["error"]
    if genuine:
        try:
            door["signed"].append(numbers_as_floats(orjson.loads(body)))
        except orjson.JSONDecodeError:
            pass
    for item in await InboundItem.all():
        assert (item.actor_uri, item.key_id) == (peer.actor_id, peer.key_id)
        assert numbers_as_floats(item.payload) in door["signed"], item.payload
    assert (await app.test_client().get("/healthz")).status_code == 200
