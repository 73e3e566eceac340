"""Digest and Content-Digest: what we make checks out, and mismatches are refused."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.digest import (
    DigestError,
    check_content_digest_header,
    check_digest_header,
    make_content_digest_header,
    make_digest_header,
)

BODY = b'{"hello": "world"}'


def test_published_example_values():
    # draft-cavage Appendix C and RFC 9421 B.2 publish these digests of the same body.
    assert make_digest_header(BODY) == "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
    assert make_content_digest_header(BODY, "sha-512") == (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwE"
        "mTHWXvJwew==:"
    )


@settings(max_examples=50)
@given(st.binary(max_size=4096))
def test_made_headers_check_against_their_body(body):
    check_digest_header(make_digest_header(body), body)
    check_content_digest_header(make_content_digest_header(body), body)
    check_content_digest_header(make_content_digest_header(body, "sha-512"), body)


def test_several_algorithms_and_case_are_accepted():
    sha512 = make_content_digest_header(BODY, "sha-512").removeprefix("sha-512=")
    check_content_digest_header(f"md5=:AAAA:, sha-512={sha512}", BODY)
    check_digest_header("sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=, MD5=abc", BODY)


@pytest.mark.parametrize(
    "check, value",
    [
        (check_digest_header, make_digest_header(b"other")),
        (check_digest_header, "MD5=rL0Y20zC+Fzt72VPzMSk2A=="),
        (check_digest_header, "SHA-256=not base64!"),
        (check_digest_header, "SHA-256"),
        (check_content_digest_header, make_content_digest_header(b"other")),
        (check_content_digest_header, "sha-256=abc"),
        (check_content_digest_header, "md5=:AAAA:"),
        (check_content_digest_header, "sha-256=:AAAA"),
    ],
)
def test_mismatched_or_malformed_digests_are_refused(check, value):
    with pytest.raises(DigestError):
        check(value, BODY)
