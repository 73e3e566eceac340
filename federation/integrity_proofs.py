"""Object Integrity Proofs (FEP-8b32): checking a ``DataIntegrityProof`` with the
``eddsa-jcs-2022`` cryptosuite on a received document. Pure: no database, no network.

The proof is an Ed25519 signature over ``SHA-256(JCS(proof options)) ||
SHA-256(JCS(document without its proof))`` (and without a Linked Data Signature added
after the proof, as Fedify adds one), JCS being RFC 8785 canonical JSON (the
``rfc8785`` library) and the proof options the proof without ``proofValue``, carrying
the document's ``@context``. The signing key is named by ``verificationMethod`` and is
an actor's ``assertionMethod`` entry of type ``Multikey`` (``publicKeyMultibase``:
base58btc of 0xed01 followed by the 32-byte key). Whose key it is, and so whether the
document may be believed as its actor's, is the caller's part (``proof_key_id`` tells
which key to find; ``multikey_of`` reads an actor's).

Every refusal is a ``ProofError`` saying why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CRYPTOSUITE = "eddsa-jcs-2022"
_ED25519_MULTICODEC = b"\xed\x01"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {character: value for value, character in enumerate(_BASE58)}
MAX_ENCODED = 512  # far above an Ed25519 key or signature in base58


class ProofError(ValueError):
    """A proof that is missing, malformed, of another kind, or does not verify."""


def has_proof(document: Mapping[str, Any]) -> bool:
    return isinstance(document.get("proof"), (Mapping, list))


def _the_proof(document: Mapping[str, Any]) -> Mapping[str, Any]:
    proof = document.get("proof")
    if isinstance(proof, list):
        ours = [p for p in proof if isinstance(p, Mapping) and p.get("cryptosuite") == CRYPTOSUITE]
        if len(ours) != 1:
            raise ProofError(f"expected one {CRYPTOSUITE} proof, found {len(ours)}")
        proof = ours[0]
    if not isinstance(proof, Mapping):
        raise ProofError("the document carries no proof")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"the proof is {proof.get('type')}/{proof.get('cryptosuite')}, not DataIntegrityProof/{CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError(f"the proof's purpose is {proof.get('proofPurpose')!r}, not assertionMethod")
    if not isinstance(proof.get("verificationMethod"), str) or not isinstance(proof.get("proofValue"), str):
        raise ProofError("the proof names no verificationMethod or carries no proofValue")
    return proof


def proof_key_id(document: Mapping[str, Any]) -> str:
    """The ``verificationMethod`` of the document's proof: the key to verify it with."""
    return _the_proof(document)["verificationMethod"]


def base58btc_decode(text: str) -> bytes:
    if not text or len(text) > MAX_ENCODED:
        raise ProofError("a base58 value of impossible length")
    number = 0
    for character in text:
        digit = _BASE58_INDEX.get(character)
        if digit is None:
            raise ProofError(f"{character!r} is not a base58 character")
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + body


def multibase_decode(value: str) -> bytes:
    """Multibase base58btc (the ``z`` prefix), the only encoding eddsa-jcs-2022 uses."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("expected a multibase base58btc value (starting with 'z')")
    return base58btc_decode(value[1:])


def ed25519_multikey(public_key_multibase: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a ``Multikey``'s ``publicKeyMultibase``."""
    raw = multibase_decode(public_key_multibase)
    if len(raw) != 34 or not raw.startswith(_ED25519_MULTICODEC):
        raise ProofError("publicKeyMultibase is no Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def multikey_of(actor_document: Mapping[str, Any], key_id: str) -> Ed25519PublicKey:
    """The Ed25519 key ``key_id`` among an actor's ``assertionMethod`` keys, which the actor
    must control; ``ProofError`` when the actor does not list it."""
    listed = actor_document.get("assertionMethod")
    for entry in listed if isinstance(listed, list) else [listed]:
        if not isinstance(entry, Mapping) or entry.get("id") != key_id:
            continue
        if entry.get("controller") not in (None, actor_document.get("id")):
            raise ProofError(f"the key {key_id} is controlled by {entry.get('controller')}, not by the actor")
        return ed25519_multikey(entry.get("publicKeyMultibase"))
    raise ProofError(f"the actor {actor_document.get('id')} lists no key {key_id} among its assertionMethod")


def signed_bytes(document: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
    """What an eddsa-jcs-2022 proof signs: the hashes of the proof options and the document."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key not in ("proofValue", "@context")}
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    try:
        return hashlib.sha256(rfc8785.dumps(options)).digest() + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as error:
        raise ProofError(f"the document cannot be canonicalised: {error}") from error


def verify_proof(document: Mapping[str, Any], public_key: Ed25519PublicKey) -> None:
    """Check the document's eddsa-jcs-2022 proof with ``public_key``; ``ProofError`` if not."""
    proof = _the_proof(document)
    signature = multibase_decode(proof["proofValue"])
    if len(signature) != 64:
        raise ProofError("the proofValue is no Ed25519 signature")
    for candidate in _candidates(document):
        try:
            public_key.verify(signature, signed_bytes(candidate, proof))
            return
        except InvalidSignature:
            continue
    raise ProofError("the proof does not verify: the document was changed or signed with another key")


def _candidates(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The forms the signed document may have had: as received; without a Linked Data
    Signature added after the proof (Fedify signs both ways, the LD signature last); and
    each as senders normalise it."""
    forms = [document]
    if _is_ld_signature(document.get("signature")):
        forms.append({key: value for key, value in document.items() if key != "signature"})
    return [*forms, *(_as_sent(form) for form in forms)]


def _is_ld_signature(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("signatureValue"), str)


_AUDIENCE = frozenset({"to", "cc", "bto", "bcc", "audience"})
_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _as_sent(value: Any, depth: int = 0) -> Any:
    """The document as senders normalise it before signing (as Fedify does, and so tries
    when verifying): the public audience written out in full, single attachments as arrays.
    A relay or a re-serialisation may have compacted them back."""
    if depth > 32:
        return value
    if isinstance(value, list):
        return [_as_sent(item, depth + 1) for item in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "@context":
            out[key] = item
        elif key in _AUDIENCE:
            out[key] = [_PUBLIC if x in ("as:Public", "Public") else x for x in item] if isinstance(item, list) \
                else _PUBLIC if item in ("as:Public", "Public") else item
        elif key == "attachment" and isinstance(item, Mapping):
            out[key] = [_as_sent(item, depth + 1)]
        else:
            out[key] = _as_sent(item, depth + 1)
    return out
