"""Sign-then-verify for both generations, and every refusal a peer could provoke."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.keys import (
    CachingKeyResolver,
    MemoryKeyCache,
    ResolvedKey,
    generate_rsa_private_key_pem,
    load_private_key_pem,
    public_key_pem,
)
from federation.signatures import (
    Generation,
    Reason,
    SignatureError,
    verify_request,
    sign_request,
)
from federation.signatures.cavage import parse_signature_header
from federation.signatures.common import SignaturePolicy

ACTOR = "https://art.example/users/mira"
KEY_ID = ACTOR + "#main-key"
INBOX = "https://peer.example/users/juno/inbox"
BODY = b'{"type": "Follow", "actor": "https://art.example/users/mira"}'
NOW = 1_800_000_000

PRIVATE_KEY = load_private_key_pem(generate_rsa_private_key_pem())
OTHER_PRIVATE_KEY = load_private_key_pem(generate_rsa_private_key_pem())
KNOWN_KEYS = {KEY_ID: ResolvedKey(KEY_ID, ACTOR, PRIVATE_KEY.public_key())}


async def resolve(key_id):
    return KNOWN_KEYS.get(key_id)


def signed(generation, method="POST", url=INBOX, body=BODY, now=NOW, private_key=PRIVATE_KEY):
    headers = {"Content-Type": "application/activity+json"} if body is not None else {}
    headers |= sign_request(
        method, url, headers, body, key_id=KEY_ID, private_key=private_key,
        generation=generation, now=now,
    )
    return headers


async def verify(headers, method="POST", url=INBOX, body=BODY, now=NOW, **options):
    options.setdefault("resolve_key", resolve)
    return await verify_request(method, url, headers, body, now=now, **options)


async def refusal(headers, **kwargs):
    with pytest.raises(SignatureError) as refused:
        await verify(headers, **kwargs)
    return refused.value.reason


GENERATIONS = [Generation.RFC9421, Generation.CAVAGE]


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_signed_post_round_trips(generation):
    result = await verify(signed(generation))
    assert (result.key_id, result.owner, result.generation) == (KEY_ID, ACTOR, generation)
    assert result.algorithm == "rsa-v1_5-sha256"


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_signed_get_round_trips(generation):
    url = "https://peer.example/users/juno?page=2"
    headers = signed(generation, method="GET", url=url, body=None)
    result = await verify(headers, method="GET", url=url, body=None)
    assert result.generation == generation


def test_post_headers_match_what_mastodon_and_fedify_expect():
    rfc = signed(Generation.RFC9421)
    assert rfc["Signature-Input"] == (
        f'sig1=("@method" "@target-uri" "content-digest");created={NOW};keyid="{KEY_ID}"'
        ';alg="rsa-v1_5-sha256"'
    )
    assert rfc["Content-Digest"].startswith("sha-256=:")
    draft = parse_signature_header(signed(Generation.CAVAGE)["Signature"])
    assert draft["algorithm"] == "rsa-sha256"
    assert draft["headers"] == "(request-target) host date digest content-type"
    get = parse_signature_header(signed(Generation.CAVAGE, method="GET", body=None)["Signature"])
    assert get["headers"] == "(request-target) host date"


async def test_header_lookup_ignores_case_and_accepts_asgi_byte_pairs():
    headers = signed(Generation.CAVAGE)
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    assert (await verify(raw)).owner == ACTOR


async def test_hs2019_from_gotosocial_verifies_as_rsa_sha256():
    headers = signed(Generation.CAVAGE)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
    assert (await verify(headers)).algorithm == "rsa-v1_5-sha256"


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_tampered_body_is_refused_as_bad_digest(generation):
    assert await refusal(signed(generation), body=BODY.replace(b"Follow", b"Block")) == Reason.BAD_DIGEST


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_body_with_a_recomputed_digest_is_refused_as_bad_signature(generation):
    forged_body = BODY.replace(b"Follow", b"Block")
    forged = signed(generation, body=forged_body, private_key=OTHER_PRIVATE_KEY)
    headers = signed(generation)
    for name in ("Digest", "Content-Digest"):
        if name in headers:
            headers[name] = forged[name]
    assert await refusal(headers, body=forged_body) == Reason.BAD_SIGNATURE


async def test_changed_signed_header_is_refused():
    headers = signed(Generation.CAVAGE)
    headers["Content-Type"] = "text/html"
    assert await refusal(headers) == Reason.BAD_SIGNATURE


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_request_sent_to_another_inbox_is_refused(generation):
    headers = signed(generation)
    assert await refusal(headers, url="https://peer.example/inbox") == Reason.BAD_SIGNATURE


async def test_cavage_request_signed_for_another_host_is_refused_even_on_the_same_path():
    headers = signed(Generation.CAVAGE, url="https://other.example/users/juno/inbox")
    assert await refusal(headers) == Reason.WRONG_HOST
    assert await refusal(signed(Generation.RFC9421, url="https://other.example/users/juno/inbox")) == (
        Reason.BAD_SIGNATURE
    )


@pytest.mark.parametrize(("url", "host"), [
    (INBOX, "PEER.example"), (INBOX, "peer.example:443"), (INBOX, "peer.example."),
    ("http://peer.example:8080/users/juno/inbox", "peer.example:8080"),
    ("http://[::1]:8080/users/juno/inbox", "[::1]:8080"),
])
async def test_cavage_host_is_compared_as_a_host_not_as_text(url, host):
    headers = {"Content-Type": "application/activity+json", "Host": host}
    headers |= sign_request("POST", url, headers, BODY, key_id=KEY_ID, private_key=PRIVATE_KEY,
                            generation=Generation.CAVAGE, now=NOW)
    assert (await verify(headers, url=url)).key_id == KEY_ID
    with pytest.raises(SignatureError) as refused:
        await verify(headers, url=url.replace("peer.example", "art.example").replace("[::1]", "127.0.0.1"))
    assert refused.value.reason == Reason.WRONG_HOST


@pytest.mark.parametrize("host", ["[", "[::1", "peer.example:x", "", "peer.example:99999", "a b"])
async def test_a_signed_host_that_is_no_host_is_the_wrong_host(host):
    headers = {"Content-Type": "application/activity+json", "Host": host}
    headers |= sign_request("POST", INBOX, headers, BODY, key_id=KEY_ID, private_key=PRIVATE_KEY,
                            generation=Generation.CAVAGE, now=NOW)
    assert await refusal(headers) == Reason.WRONG_HOST


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_stale_request_is_refused(generation):
    assert await refusal(signed(generation, now=NOW - 3601)) == Reason.STALE


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_request_from_the_future_is_refused(generation):
    assert await refusal(signed(generation, now=NOW + 301)) == Reason.FUTURE


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_date_window_is_configurable(generation):
    headers = signed(generation, now=NOW - 600)
    strict = SignaturePolicy(max_age_seconds=300)
    assert await refusal(headers, policy=strict) == Reason.STALE
    assert (await verify(headers)).owner == ACTOR


async def test_expired_rfc9421_signature_is_refused():
    from federation.signatures.rfc9421 import sign_rfc9421

    headers = sign_rfc9421("POST", INBOX, {}, BODY, key_id=KEY_ID, private_key=PRIVATE_KEY,
                           created=NOW - 60, expires=NOW - 1)
    assert await refusal(headers) == Reason.EXPIRED


async def test_cavage_created_may_replace_date():
    from federation.signatures.cavage import sign_cavage

    covered = ["(request-target)", "(created)", "host", "digest"]
    headers = sign_cavage("POST", INBOX, {}, BODY, key_id=KEY_ID, private_key=PRIVATE_KEY,
                          covered=covered, now=NOW)
    del headers["Date"]
    assert (await verify(headers)).covered == tuple(covered)
    assert await refusal(headers, now=NOW + 3601) == Reason.STALE


async def test_cavage_signature_without_date_or_created_is_refused():
    from federation.signatures.cavage import sign_cavage

    headers = sign_cavage("POST", INBOX, {}, BODY, key_id=KEY_ID, private_key=PRIVATE_KEY,
                          covered=["(request-target)", "host", "digest"], now=NOW)
    assert await refusal(headers) == Reason.MISSING_HEADER


async def test_cavage_post_without_digest_is_refused():
    from federation.signatures.cavage import sign_cavage

    headers = sign_cavage("POST", INBOX, {}, BODY, key_id=KEY_ID, private_key=PRIVATE_KEY,
                          covered=["(request-target)", "host", "date"], now=NOW)
    del headers["Digest"]
    reason = await refusal(headers)
    assert reason == Reason.MISSING_HEADER


async def test_rfc9421_post_without_content_digest_is_refused():
    from federation.signatures.rfc9421 import sign_rfc9421

    headers = sign_rfc9421("POST", INBOX, {}, BODY, key_id=KEY_ID, private_key=PRIVATE_KEY,
                           created=NOW, covered=["@method", "@target-uri"])
    del headers["Content-Digest"]
    assert await refusal(headers) == Reason.MISSING_HEADER


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_wrong_key_is_refused(generation):
    assert await refusal(signed(generation, private_key=OTHER_PRIVATE_KEY)) == Reason.BAD_SIGNATURE


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_unknown_key_is_refused(generation):
    async def knows_nothing(key_id):
        return None

    with pytest.raises(SignatureError) as refused:
        await verify_request("POST", INBOX, signed(generation), BODY, resolve_key=knows_nothing, now=NOW)
    assert refused.value.reason == Reason.UNKNOWN_KEY


async def test_unsigned_request_is_refused():
    assert await refusal({"Content-Type": "application/activity+json"}) == Reason.UNSIGNED


def with_labels(headers, *others):
    """RFC 9421 headers with more signatures (label, key id, headers) in front."""
    inputs, signatures = [], []
    for label, key_id, other in others:
        inputs.append(other["Signature-Input"].replace("sig1=", f"{label}=").replace(KEY_ID, key_id))
        signatures.append(other["Signature"].replace("sig1=", f"{label}="))
    return headers | {"Signature-Input": ", ".join([*inputs, headers["Signature-Input"]]),
                      "Signature": ", ".join([*signatures, headers["Signature"]])}


async def test_rfc9421_verifies_the_first_signature_whose_key_is_held():
    stranger = signed(Generation.RFC9421, private_key=OTHER_PRIVATE_KEY)
    headers = with_labels(signed(Generation.RFC9421), ("other", "https://x.example/k", stranger))
    asked = []

    async def resolve_counting(key_id):
        asked.append(key_id)
        return KNOWN_KEYS.get(key_id)

    result = await verify(headers, resolve_key=resolve_counting, cached_key=resolve)
    assert result.key_id == KEY_ID
    assert asked == []  # held: nothing resolved, nothing fetched


async def test_rfc9421_verifies_only_the_first_signature_when_no_key_is_held():
    """Many labels naming unknown keys cost one lookup, not one each."""
    stranger = signed(Generation.RFC9421, private_key=OTHER_PRIVATE_KEY)
    others = [(f"s{n}", f"https://x{n}.example/k", stranger) for n in range(30)]
    headers = with_labels(signed(Generation.RFC9421), *others)
    asked = []

    async def knows_nothing(key_id):
        asked.append(key_id)
        return None

    with pytest.raises(SignatureError) as refused:
        await verify(headers, resolve_key=knows_nothing, refresh_key=knows_nothing, cached_key=knows_nothing)
    assert refused.value.reason == Reason.UNKNOWN_KEY
    # 31 looks in the cache, one resolution (the only one that may fetch).
    assert asked.count("https://x0.example/k") == 2 and len(asked) == 32


async def test_the_first_held_key_is_verified_even_when_its_signature_fails():
    """A failing signature is not a reason to try, and fetch, the next label's key."""
    forged = signed(Generation.RFC9421, private_key=OTHER_PRIVATE_KEY)
    headers = with_labels(signed(Generation.RFC9421), ("forged", KEY_ID, forged))
    with pytest.raises(SignatureError) as refused:
        await verify(headers, cached_key=resolve)
    assert refused.value.reason == Reason.BAD_SIGNATURE


def counting_resolver(pem):
    fetched = []
    current = {"pem": pem}

    async def fetch(key_id):
        fetched.append(key_id)
        return key_id, ACTOR, current["pem"]

    return CachingKeyResolver(MemoryKeyCache(), fetch), fetched, current


async def verify_with(resolver, headers):
    return await verify_request("POST", INBOX, headers, BODY, resolve_key=resolver.resolve,
                                refresh_key=resolver.refresh, cached_key=resolver.cached, now=NOW)


async def test_rotated_key_is_refetched_once_and_then_verifies():
    resolver, fetched, current = counting_resolver(public_key_pem(OTHER_PRIVATE_KEY))
    await resolver.resolve(KEY_ID)  # caches the old key
    current["pem"] = public_key_pem(PRIVATE_KEY)  # the actor rotates its key
    result = await verify_with(resolver, signed(Generation.CAVAGE))
    assert result.owner == ACTOR
    assert fetched == [KEY_ID, KEY_ID]
    await verify_with(resolver, signed(Generation.RFC9421))
    assert fetched == [KEY_ID, KEY_ID]  # the fresh key is now cached


async def test_a_forged_signature_costs_one_fetch_of_an_unknown_key_and_one_of_a_held_one():
    resolver, fetched, _ = counting_resolver(public_key_pem(PRIVATE_KEY))
    forged = signed(Generation.CAVAGE, private_key=OTHER_PRIVATE_KEY)
    with pytest.raises(SignatureError) as refused:
        await verify_with(resolver, forged)
    assert refused.value.reason == Reason.BAD_SIGNATURE
    assert fetched == [KEY_ID]  # just fetched: not fetched again
    with pytest.raises(SignatureError):
        await verify_with(resolver, forged)
    assert fetched == [KEY_ID, KEY_ID]  # held: refreshed once, in case it was rotated


async def test_without_a_cache_lookup_a_failing_key_is_refreshed_once():
    resolver, fetched, _ = counting_resolver(public_key_pem(PRIVATE_KEY))
    with pytest.raises(SignatureError):
        await verify_request("POST", INBOX, signed(Generation.CAVAGE, private_key=OTHER_PRIVATE_KEY), BODY,
                             resolve_key=resolver.resolve, refresh_key=resolver.refresh, now=NOW)
    assert fetched == [KEY_ID, KEY_ID]


async def test_ed25519_keys_sign_and_verify_in_both_generations():
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.generate()
    key = ResolvedKey(KEY_ID, ACTOR, private.public_key())

    async def resolve_ed(key_id):
        return key

    for generation in GENERATIONS:
        headers = signed(generation, private_key=private)
        result = await verify_request("POST", INBOX, headers, BODY, resolve_key=resolve_ed, now=NOW)
        assert result.algorithm == "ed25519"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_signature_header_parser_raises_only_signature_error(text):
    try:
        parse_signature_header(text)
    except SignatureError:
        pass


def _prepare_rfc9421(signature_input, signature):
    from federation.signatures.common import collect_headers
    from federation.signatures.rfc9421 import HttpMessage, prepare_signatures

    headers = collect_headers({"Signature-Input": signature_input, "Signature": signature})
    return prepare_signatures(HttpMessage("POST", INBOX, headers), BODY, now=NOW)


SF_ALPHABET = st.sampled_from(list('sig1=();:"@-, \\?*abcdef0123456789keyidcreatedalg.+/'))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=120))
def test_signature_input_parser_raises_only_signature_error_on_any_text(signature_input, signature):
    try:
        _prepare_rfc9421(signature_input, signature)
    except SignatureError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(SF_ALPHABET, max_size=120), st.text(SF_ALPHABET, max_size=60))
def test_signature_input_parser_raises_only_signature_error_on_near_valid_text(signature_input, signature):
    try:
        _prepare_rfc9421("sig1=" + signature_input, "sig1=" + signature)
    except SignatureError:
        pass


async def test_cavage_date_is_checked_against_the_real_clock_by_default():
    headers = signed(Generation.CAVAGE, now=time.time())
    assert (await verify_request("POST", INBOX, headers, BODY, resolve_key=resolve)).owner == ACTOR


CAVAGE_ALPHABET = st.sampled_from(list('keyIdalgorithmheaderssignaturecreatedexpires="(),-= \\19AZaz+/'))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.text(CAVAGE_ALPHABET, max_size=200)))
def test_cavage_verifier_raises_only_signature_error_on_any_signature_header(text):
    from federation.signatures.cavage import prepare_signature
    from federation.signatures.common import collect_headers

    headers = collect_headers({"Signature": text, "Host": "peer.example", "Digest": "x"})
    try:
        prepare_signature("POST", INBOX, headers, BODY, now=NOW)
    except SignatureError:
        pass


async def test_cavage_created_with_thousands_of_digits_is_malformed():
    headers = signed(Generation.CAVAGE)
    headers["Signature"] = headers["Signature"].replace(
        'headers="', f'created="{"9" * 5000}",headers="(created) '
    )
    assert await refusal(headers) == Reason.MALFORMED


async def test_failed_refresh_of_a_cached_key_reports_a_bad_signature():
    async def refresh_fails(key_id):
        from federation.keys import KeyUnavailable

        raise KeyUnavailable("actor is gone")

    with pytest.raises(SignatureError) as refused:
        await verify_request("POST", INBOX, signed(Generation.CAVAGE, private_key=OTHER_PRIVATE_KEY),
                             BODY, resolve_key=resolve, refresh_key=refresh_fails, now=NOW)
    assert refused.value.reason == Reason.BAD_SIGNATURE
