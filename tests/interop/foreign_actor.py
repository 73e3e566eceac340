"""A hand-written remote actor that signs its POSTs with draft-cavage HTTP Signatures
(by hand), or with either generation through ``federation.signatures.sign_request``.

It serves its actor document (with its RSA public key) from a small HTTP server on
127.0.0.1 in a background thread, so the Fedify peer can fetch the key and verify the
older signature generation, and refuse a signature made with the wrong key. Its inbox
keeps every POST and answers them all with one chosen status.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

from federation.signatures import Generation, sign_request
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ACTIVITY_JSON = "application/activity+json"


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class ForeignActor:
    """An actor `name` at http://127.0.0.1:PORT/users/name; use as a context manager."""

    def __init__(self, name: str = "dora", *, inbox_status: int = 202):
        self.name = name
        self.inbox_status = inbox_status
        self.inbox: list[tuple[dict[str, str], dict]] = []  # (headers, activity) per POST
        self.private_key = _new_rsa_key()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.id = f"{self.origin}/users/{name}"
        self.key_id = f"{self.id}#main-key"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def document(self) -> dict:
        public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.id,
            "type": "Person",
            "preferredUsername": self.name,
            "inbox": f"{self.id}/inbox",
            "publicKey": {"id": self.key_id, "owner": self.id, "publicKeyPem": public_pem.decode()},
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        actor = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if urlsplit(self.path).path != f"/users/{actor.name}":
                    self.send_error(404)
                    return
                body = json.dumps(actor.document()).encode()
                self.send_response(200)
                self.send_header("Content-Type", ACTIVITY_JSON)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                actor.inbox.append(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
                self.send_response(actor.inbox_status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> ForeignActor:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def cavage_headers(self, url: str, body: bytes, *, signing_key: rsa.RSAPrivateKey | None = None) -> dict:
        """Headers for a POST of `body` to `url`, signed draft-cavage style."""
        parts = urlsplit(url)
        headers = {
            "Host": parts.netloc,
            "Date": formatdate(usegmt=True),
            "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
            "Content-Type": ACTIVITY_JSON,
        }
        signed = ["(request-target)", "host", "date", "digest"]
        lines = [f"(request-target): post {parts.path}"] + [
            f"{name}: {headers[name.title()]}" for name in signed[1:]
        ]
        signature = (signing_key or self.private_key).sign(
            "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        headers["Signature"] = (
            f'keyId="{self.key_id}",algorithm="rsa-sha256",headers="{" ".join(signed)}",'
            f'signature="{base64.b64encode(signature).decode()}"'
        )
        return headers

    async def post(self, url: str, activity: dict, *, wrong_key: bool = False) -> httpx.Response:
        body = json.dumps(activity).encode()
        headers = self.cavage_headers(url, body, signing_key=_new_rsa_key() if wrong_key else None)
        async with httpx.AsyncClient() as client:
            return await client.post(url, content=body, headers=headers)

    async def post_signed(
        self,
        url: str,
        activity: dict,
        *,
        generation: Generation,
        now: float | None = None,
        sent_body: bytes | None = None,
    ) -> httpx.Response:
        """POST `activity` signed in `generation` at time `now`; `sent_body` replaces the
        signed body on the wire (a tampered request)."""
        body = json.dumps(activity).encode()
        headers = {"content-type": ACTIVITY_JSON}
        headers |= sign_request(
            "POST", url, headers, body,
            key_id=self.key_id, private_key=self.private_key, generation=generation, now=now,
        )
        async with httpx.AsyncClient() as client:
            return await client.post(url, content=sent_body if sent_body is not None else body, headers=headers)
