"""A remote actor for tests: its documents served by a real HTTP server on 127.0.0.1,
its requests signed with a real RSA key in either signature generation."""

from __future__ import annotations

import json
from typing import Any

from federation.keys import generate_rsa_private_key_pem, load_private_key_pem, public_key_pem
from federation.signatures import Generation, sign_request
from tests.federation.loopback_server import LoopbackServer, Reply

ACTIVITY_JSON = "application/activity+json"


class RemotePeer:
    """``async with RemotePeer() as peer``: actor ``peer.actor_id`` with key ``peer.key_id``."""

    def __init__(self, name: str = "dora") -> None:
        self.name = name
        self.private_key = load_private_key_pem(generate_rsa_private_key_pem())
        self.server = LoopbackServer({})

    async def __aenter__(self) -> RemotePeer:
        await self.server.__aenter__()
        self.serve(f"/users/{self.name}", self.actor_document())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.server.__aexit__(*exc_info)

    @property
    def origin(self) -> str:
        return self.server.base

    @property
    def actor_id(self) -> str:
        return f"{self.origin}/users/{self.name}"

    @property
    def key_id(self) -> str:
        return f"{self.actor_id}#main-key"

    def actor_document(self, **overrides: Any) -> dict[str, Any]:
        document = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": "Person",
            "preferredUsername": self.name,
            "name": "Dora <b>Explorer</b>",
            "inbox": f"{self.actor_id}/inbox",
            "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.actor_id,
                          "publicKeyPem": public_key_pem(self.private_key)},
        }
        document.update(overrides)
        return document

    def serve(self, path: str, document: dict[str, Any] | Reply) -> None:
        self.server.routes[path] = document if isinstance(document, Reply) else Reply(
            200, {"content-type": ACTIVITY_JSON}, json.dumps(document).encode()
        )

    def serve_webfinger(self) -> None:
        """Answer WebFinger for ``acct:NAME@HOST:PORT`` (and 404 for anyone else)."""
        host = self.origin.removeprefix("http://")
        wanted = f"resource=acct%3A{self.name}%40{host.replace(':', '%3A')}"

        def webfinger(request):
            if wanted not in request.target:
                return Reply(404, body=b"no such account")
            return Reply(200, {"content-type": "application/jrd+json"}, json.dumps({
                "subject": f"acct:{self.name}@{host}",
                "links": [{"rel": "self", "type": ACTIVITY_JSON, "href": self.actor_id}],
            }).encode())

        self.server.routes["/.well-known/webfinger"] = webfinger

    @property
    def handle(self) -> str:
        return f"{self.name}@{self.origin.removeprefix('http://')}"

    def rotate_key(self) -> None:
        self.private_key = load_private_key_pem(generate_rsa_private_key_pem())
        self.serve(f"/users/{self.name}", self.actor_document())

    def activity(self, kind: str = "Follow", tag: str = "1", **fields: Any) -> dict[str, Any]:
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.actor_id}/activities/{tag}",
            "type": kind,
            "actor": self.actor_id,
            **fields,
        }

    def signed_headers(
        self,
        method: str,
        url: str,
        body: bytes | None,
        *,
        generation: Generation = Generation.CAVAGE,
        key_id: str | None = None,
        private_key=None,
        now: float | None = None,
    ) -> dict[str, str]:
        headers = {"content-type": ACTIVITY_JSON} if body is not None else {}
        return headers | sign_request(
            method, url, headers, body,
            key_id=key_id or self.key_id,
            private_key=private_key or self.private_key,
            generation=generation,
            now=now,
        )
