"""Signature algorithms by their RFC 9421 names: sign and verify raw bytes.

`rsa-v1_5-sha256` is what every fediverse server speaks (draft-cavage `rsa-sha256` and
`hs2019` with an RSA key are the same thing). The others let the RFC 9421 test vectors
and Ed25519 keys verify. ECDSA signatures travel as raw r||s, as RFC 9421 3.3.4 asks.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from federation.keys import PrivateKey, ResolvedKey, VerificationKey
from federation.signatures.common import Reason, SignatureError

__all__ = [
    "ALGORITHMS",
    "PreparedSignature",
    "default_algorithm",
    "sign_bytes",
    "verify_bytes",
]

RSA_V1_5_SHA256 = "rsa-v1_5-sha256"
RSA_PSS_SHA512 = "rsa-pss-sha512"
ECDSA_P256_SHA256 = "ecdsa-p256-sha256"
ED25519 = "ed25519"
HMAC_SHA256 = "hmac-sha256"
ALGORITHMS = (RSA_V1_5_SHA256, RSA_PSS_SHA512, ECDSA_P256_SHA256, ED25519, HMAC_SHA256)

_KEY_TYPES = {
    RSA_V1_5_SHA256: (rsa.RSAPublicKey, rsa.RSAPrivateKey),
    RSA_PSS_SHA512: (rsa.RSAPublicKey, rsa.RSAPrivateKey),
    ECDSA_P256_SHA256: (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey),
    ED25519: (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey),
    HMAC_SHA256: (bytes,),
}
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)


def default_algorithm(key: VerificationKey | PrivateKey) -> str:
    """The algorithm a key implies when the signature does not name one."""
    for algorithm in (RSA_V1_5_SHA256, ECDSA_P256_SHA256, ED25519, HMAC_SHA256):
        if isinstance(key, _KEY_TYPES[algorithm]):
            return algorithm
    raise SignatureError(Reason.UNSUPPORTED_ALGORITHM, f"no algorithm for {type(key).__name__}")


def _check_key(algorithm: str, key: object) -> None:
    types = _KEY_TYPES.get(algorithm)
    if types is None:
        raise SignatureError(Reason.UNSUPPORTED_ALGORITHM, repr(algorithm))
    if not isinstance(key, types):
        raise SignatureError(
            Reason.UNSUPPORTED_ALGORITHM, f"{algorithm} cannot use a {type(key).__name__}"
        )
    if algorithm == ECDSA_P256_SHA256 and not isinstance(key.curve, ec.SECP256R1):
        raise SignatureError(Reason.UNSUPPORTED_ALGORITHM, f"{algorithm} needs a P-256 key")


def sign_bytes(algorithm: str, key: PrivateKey | bytes, message: bytes) -> bytes:
    _check_key(algorithm, key)
    if algorithm == RSA_V1_5_SHA256:
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == RSA_PSS_SHA512:
        return key.sign(message, _PSS, hashes.SHA512())
    if algorithm == ECDSA_P256_SHA256:
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if algorithm == ED25519:
        return key.sign(message)
    return hmac.new(key, message, hashlib.sha256).digest()


def verify_bytes(algorithm: str, key: VerificationKey, message: bytes, signature: bytes) -> bool:
    """True when `signature` is valid; raises SignatureError if the key cannot do `algorithm`."""
    _check_key(algorithm, key)
    try:
        if algorithm == RSA_V1_5_SHA256:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == RSA_PSS_SHA512:
            key.verify(signature, message, _PSS, hashes.SHA512())
        elif algorithm == ECDSA_P256_SHA256:
            if len(signature) != 64:
                return False
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            key.verify(der, message, ec.ECDSA(hashes.SHA256()))
        elif algorithm == ED25519:
            key.verify(signature, message)
        else:
            expected = hmac.new(key, message, hashlib.sha256).digest()
            return hmac.compare_digest(expected, signature)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class PreparedSignature:
    """A parsed signature whose policy checks passed; only the key check is left.

    `algorithm` is None when the signature leaves it to the key (hs2019, or RFC 9421
    without `alg`).
    """

    key_id: str
    algorithm: str | None
    base: bytes
    signature: bytes
    covered: tuple[str, ...]

    def algorithm_for(self, key: ResolvedKey) -> str:
        if self.algorithm and key.algorithm and self.algorithm != key.algorithm:
            raise SignatureError(
                Reason.UNSUPPORTED_ALGORITHM,
                f"signature says {self.algorithm}, key {key.key_id} is for {key.algorithm}",
            )
        return self.algorithm or key.algorithm or default_algorithm(key.public_key)

    def check(self, key: ResolvedKey) -> bool:
        return verify_bytes(self.algorithm_for(key), key.public_key, self.base, self.signature)
