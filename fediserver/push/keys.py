"""The instance's VAPID key pair (RFC 8292): one P-256 key that signs every push.

It is a ``VapidKey`` row made the first time any process needs it, so every web and
worker process on one database signs with the same key and apps keep the key they were
given across restarts. The public key is what Mastodon gives apps as ``vapid_key``
(URL-safe base64 of the uncompressed point, no padding).
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tortoise.exceptions import IntegrityError

from fediserver.models import VapidKey


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def public_point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


async def instance_vapid_key() -> VapidKey:
    """The instance's key row, made with a fresh key pair the first time."""
    row = await VapidKey.get_or_none(name="instance")
    if row is None:
        private = ec.generate_private_key(ec.SECP256R1())
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode("ascii")
        try:
            row = await VapidKey.create(name="instance", private_key_pem=pem,
                                        public_key=b64url(public_point(private.public_key())))
        except IntegrityError:  # another process made it between the look and the insert
            row = await VapidKey.get(name="instance")
    return row


async def vapid_public_key() -> str:
    return (await instance_vapid_key()).public_key


def private_key_of(row: VapidKey) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(row.private_key_pem.encode("ascii"), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key

