"""The published RFC 9421 and draft-cavage test vectors verify, and deterministic ones
are reproduced byte for byte by our signer."""

import base64

import pytest

from tests.federation import signature_vectors as v
from federation.keys import ResolvedKey, load_private_key_pem, load_public_key_pem
from federation.signatures import (
    Generation,
    Reason,
    SignatureError,
    SignaturePolicy,
    verify_request,
)
from federation.signatures import cavage, rfc9421
from federation.signatures.common import collect_headers
from federation.structured_fields import parse_dictionary

VECTOR_POLICY = SignaturePolicy(require_coverage=False)
RFC9421_KEYS = {
    "test-key-rsa-pss": ResolvedKey(
        "test-key-rsa-pss", "rfc9421", load_public_key_pem(v.RFC9421_RSA_PSS_PUBLIC), "rsa-pss-sha512"
    ),
    "test-key-ecc-p256": ResolvedKey(
        "test-key-ecc-p256", "rfc9421", load_public_key_pem(v.RFC9421_ECC_P256_PUBLIC)
    ),
    "test-key-ed25519": ResolvedKey(
        "test-key-ed25519", "rfc9421", load_public_key_pem(v.RFC9421_ED25519_PUBLIC)
    ),
    "test-shared-secret": ResolvedKey(
        "test-shared-secret", "rfc9421", base64.b64decode(v.RFC9421_SHARED_SECRET), "hmac-sha256"
    ),
}


async def resolve_rfc9421_key(key_id):
    return RFC9421_KEYS.get(key_id)


def signed_test_request(label):
    key_id, signature_input, signature = v.RFC9421_SIGNATURES[label]
    headers = dict(v.RFC9421_REQUEST_HEADERS)
    headers["Signature-Input"] = f"{label}={signature_input}"
    headers["Signature"] = f"{label}={signature}"
    return headers


@pytest.mark.parametrize("label", ["sig-b21", "sig-b22", "sig-b23", "sig-b25", "sig-b26"])
async def test_rfc9421_request_vectors_verify(label):
    result = await verify_request(
        "POST",
        v.RFC9421_REQUEST_URL,
        signed_test_request(label),
        v.RFC9421_REQUEST_BODY,
        resolve_key=resolve_rfc9421_key,
        now=v.RFC9421_CREATED,
        policy=VECTOR_POLICY,
    )
    assert result.generation == Generation.RFC9421
    assert result.key_id == v.RFC9421_SIGNATURES[label][0]


@pytest.mark.parametrize("label", ["sig-b21", "sig-b23", "sig-b26"])
async def test_rfc9421_vectors_refuse_a_changed_request(label):
    headers = signed_test_request(label)
    headers["Date"] = "Tue, 20 Apr 2021 02:07:56 GMT"
    headers["Signature-Input"] = headers["Signature-Input"].replace("1618884473", "1618884474")
    with pytest.raises(SignatureError) as refused:
        await verify_request(
            "POST",
            v.RFC9421_REQUEST_URL,
            headers,
            v.RFC9421_REQUEST_BODY,
            resolve_key=resolve_rfc9421_key,
            now=v.RFC9421_CREATED,
            policy=VECTOR_POLICY,
        )
    assert refused.value.reason == Reason.BAD_SIGNATURE


def test_rfc9421_response_vector_b24_verifies():
    key_id, signature_input, signature = v.RFC9421_SIGNATURES["sig-b24"]
    headers = collect_headers(
        {**v.RFC9421_RESPONSE_HEADERS, "Signature-Input": f"sig-b24={signature_input}",
         "Signature": f"sig-b24={signature}"}
    )
    message = rfc9421.HttpMessage("POST", v.RFC9421_REQUEST_URL, headers, status=200)
    (prepared,) = rfc9421.prepare_signatures(
        message, v.RFC9421_RESPONSE_BODY, now=v.RFC9421_CREATED, policy=VECTOR_POLICY
    )
    assert prepared.check(RFC9421_KEYS[key_id])
    tampered = rfc9421.HttpMessage("POST", v.RFC9421_REQUEST_URL, headers, status=201)
    (prepared,) = rfc9421.prepare_signatures(
        tampered, v.RFC9421_RESPONSE_BODY, now=v.RFC9421_CREATED, policy=VECTOR_POLICY
    )
    assert not prepared.check(RFC9421_KEYS[key_id])


@pytest.mark.parametrize(
    "label, private_key",
    [
        ("sig-b25", base64.b64decode(v.RFC9421_SHARED_SECRET)),
        ("sig-b26", load_private_key_pem(v.RFC9421_ED25519_PRIVATE)),
    ],
)
def test_rfc9421_deterministic_vectors_are_reproduced(label, private_key):
    key_id, signature_input, signature = v.RFC9421_SIGNATURES[label]
    covered = [item.value for item in parse_dictionary(f"x={signature_input}")["x"].items]
    added = rfc9421.sign_rfc9421(
        "POST",
        v.RFC9421_REQUEST_URL,
        v.RFC9421_REQUEST_HEADERS,
        v.RFC9421_REQUEST_BODY,
        key_id=key_id,
        private_key=private_key,
        algorithm="hmac-sha256" if label == "sig-b25" else "ed25519",
        label=label,
        covered=covered,
        created=v.RFC9421_CREATED,
        include_alg=False,
    )
    assert added["Signature-Input"] == f"{label}={signature_input}"
    assert added["Signature"] == f"{label}={signature}"


def test_rfc9421_rsa_pkcs1_test_key_loads_and_round_trips():
    private_key = load_private_key_pem(v.RFC9421_RSA_PRIVATE)
    public_key = load_public_key_pem(v.RFC9421_RSA_PUBLIC)
    assert private_key.public_key().public_numbers() == public_key.public_numbers()


CAVAGE_KEY = ResolvedKey("Test", "cavage", load_public_key_pem(v.CAVAGE_PUBLIC))


async def resolve_cavage_key(key_id):
    return CAVAGE_KEY if key_id == "Test" else None


def cavage_signature_header(headers_param, signature):
    listed = f'headers="{headers_param}",' if headers_param else ""
    return f'keyId="Test",algorithm="rsa-sha256",{listed}signature="{signature}"'


@pytest.mark.parametrize("name", list(v.CAVAGE_SIGNATURES))
def test_cavage_appendix_c_signatures_verify(name):
    headers_param, signature = v.CAVAGE_SIGNATURES[name]
    headers = collect_headers(
        {**v.CAVAGE_HEADERS, "Signature": cavage_signature_header(headers_param, signature)}
    )
    prepared = cavage.prepare_signature(
        "POST", v.CAVAGE_URL, headers, v.CAVAGE_BODY, now=v.CAVAGE_DATE_EPOCH, policy=VECTOR_POLICY
    )
    assert prepared.check(CAVAGE_KEY)


@pytest.mark.parametrize("name", list(v.CAVAGE_SIGNATURES))
def test_cavage_appendix_c_signatures_are_reproduced(name):
    headers_param, signature = v.CAVAGE_SIGNATURES[name]
    added = cavage.sign_cavage(
        "POST",
        v.CAVAGE_URL,
        v.CAVAGE_HEADERS,
        v.CAVAGE_BODY,
        key_id="Test",
        private_key=load_private_key_pem(v.CAVAGE_PRIVATE),
        covered=(headers_param or "date").split(),
    )
    assert f'signature="{signature}"' in added["Signature"]


async def test_cavage_all_headers_vector_passes_the_full_inbox_policy():
    headers_param, signature = v.CAVAGE_SIGNATURES["C.3 All Headers Test"]
    result = await verify_request(
        "POST",
        v.CAVAGE_URL,
        {**v.CAVAGE_HEADERS, "Signature": cavage_signature_header(headers_param, signature)},
        v.CAVAGE_BODY,
        resolve_key=resolve_cavage_key,
        now=v.CAVAGE_DATE_EPOCH + 60,
    )
    assert (result.generation, result.owner, result.algorithm) == (
        Generation.CAVAGE, "cavage", "rsa-v1_5-sha256",
    )


async def test_cavage_default_vector_is_refused_by_the_inbox_policy():
    headers_param, signature = v.CAVAGE_SIGNATURES["C.1 Default Test"]
    with pytest.raises(SignatureError) as refused:
        await verify_request(
            "POST",
            v.CAVAGE_URL,
            {**v.CAVAGE_HEADERS, "Signature": cavage_signature_header(headers_param, signature)},
            v.CAVAGE_BODY,
            resolve_key=resolve_cavage_key,
            now=v.CAVAGE_DATE_EPOCH,
        )
    assert refused.value.reason == Reason.MISSING_HEADER
    assert "(request-target)" in str(refused.value)
