"""Object Integrity Proofs (FEP-8b32, eddsa-jcs-2022) made by an independent
implementation (Fedify: tests/fixtures/proofs) verify here; anything changed does not."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.integrity_proofs import (
    ProofError,
    base58btc_decode,
    ed25519_multikey,
    has_proof,
    multikey_of,
    proof_key_id,
    verify_proof,
)

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "proofs" / "fedify-eddsa-jcs-2022.json")
                     .read_text(encoding="utf-8"))
ACTOR = VECTORS["actor"]
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def key_for(document):
    return multikey_of(ACTOR, proof_key_id(document))


@pytest.mark.parametrize("name", ["create", "note"])
def test_a_proof_made_by_fedify_verifies(name):
    document = VECTORS[name]
    assert has_proof(document)
    verify_proof(document, key_for(document))


@pytest.mark.parametrize("change", [
    lambda d: d["object"].__setitem__("content", "<p>changed</p>"),
    lambda d: d.__setitem__("actor", "https://elsewhere.example/users/eve"),
    lambda d: d["object"].__setitem__("to", []),
    lambda d: d["proof"].__setitem__("created", "2020-01-01T00:00:00Z"),
    lambda d: d.__setitem__("cc", [PUBLIC]),
])
def test_any_change_breaks_the_proof(change):
    document = copy.deepcopy(VECTORS["create"])
    change(document)
    with pytest.raises(ProofError, match="does not verify"):
        verify_proof(document, key_for(VECTORS["create"]))


def test_another_key_does_not_verify():
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(ProofError, match="does not verify"):
        verify_proof(VECTORS["create"], other)


def test_a_document_whose_public_audience_was_compacted_still_verifies():
    compacted = copy.deepcopy(VECTORS["create"])
    compacted["to"] = "as:Public"
    compacted["object"]["to"] = "as:Public"
    verify_proof(compacted, key_for(VECTORS["create"]))


@pytest.mark.parametrize("proof_change,reason", [
    ({"cryptosuite": "eddsa-rdfc-2022"}, "not DataIntegrityProof/eddsa-jcs-2022"),
    ({"type": "Ed25519Signature2020"}, "not DataIntegrityProof"),
    ({"proofPurpose": "authentication"}, "not assertionMethod"),
    ({"proofValue": "zzz"}, "no Ed25519 signature"),
    ({"proofValue": "u" + "A" * 80}, "multibase base58btc"),
    ({"proofValue": "z0OIl"}, "not a base58 character"),
])
def test_proofs_of_another_kind_are_refused_with_the_reason(proof_change, reason):
    document = copy.deepcopy(VECTORS["create"])
    document["proof"].update(proof_change)
    with pytest.raises(ProofError, match=reason):
        verify_proof(document, key_for(VECTORS["create"]))


def test_the_key_must_be_one_the_actor_lists_and_controls():
    with pytest.raises(ProofError, match="lists no key"):
        multikey_of(ACTOR, "https://peer.example/users/bob#other-key")
    stolen = copy.deepcopy(ACTOR)
    stolen["assertionMethod"][0]["controller"] = "https://elsewhere.example/users/eve"
    with pytest.raises(ProofError, match="controlled by"):
        multikey_of(stolen, proof_key_id(VECTORS["create"]))
    with pytest.raises(ProofError, match="no Ed25519 key"):
        ed25519_multikey("z" + "1" * 40)


def test_base58btc_keeps_leading_zero_bytes():
    assert base58btc_decode("111") == b"\x00\x00\x00"
    assert base58btc_decode("2") == b"\x01"
    assert base58btc_decode("5S") == b"\x01\x01"  # 4 * 58 + 25 == 257


def test_canonical_json_is_rfc_8785():
    """The example of RFC 8785 section 3.2.2, through the library the proofs use."""
    source = ('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], '
              '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}')
    assert rfc8785.dumps(json.loads(source)) == (
        b'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        b'"string":"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}')


def test_a_delivered_activity_with_a_later_linked_data_signature_verifies():
    """Fedify signs what it sends both ways, the LD signature after the proof."""
    delivered = json.loads((Path(__file__).parent.parent / "fixtures" / "proofs" / "fedify-delivered-like.json")
                           .read_text(encoding="utf-8"))
    activity = delivered["activity"]
    assert activity["signature"]["type"] == "RsaSignature2017"
    verify_proof(activity, multikey_of(delivered["actor"], proof_key_id(activity)))
    changed = copy.deepcopy(activity)
    changed["object"] = "https://elsewhere.example/statuses/1"
    with pytest.raises(ProofError):
        verify_proof(changed, multikey_of(delivered["actor"], proof_key_id(activity)))
