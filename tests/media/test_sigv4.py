"""SigV4 signing checked against the worked example in the AWS S3 documentation."""

from __future__ import annotations

from datetime import datetime, timezone

from media.storage.sigv4 import Credentials, canonical_query, sign_request

# The S3 documentation's "GET object" example for header-based SigV4 authentication.
EXAMPLE = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1")
EXAMPLE_TIME = datetime(2013, 5, 24, tzinfo=timezone.utc)


def test_published_get_object_example():
    headers = sign_request(
        EXAMPLE, "GET", "examplebucket.s3.amazonaws.com", "/test.txt", headers={"Range": "bytes=0-9"}, now=EXAMPLE_TIME
    )
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    assert headers["x-amz-date"] == "20130524T000000Z"


def test_signature_depends_on_payload_and_path():
    def signature(**kwargs):
        args = {"path": "/b/k.jpg", "payload_sha256": "0" * 64, **kwargs}
        return sign_request(EXAMPLE, "PUT", "s3.example", now=EXAMPLE_TIME, **args)["authorization"]

    assert signature() != signature(payload_sha256="1" * 64)
    assert signature() != signature(path="/b/other.jpg")


def test_query_is_sorted_and_encoded():
    assert canonical_query({"prefix": "a b/c", "delimiter": "/"}) == "delimiter=%2F&prefix=a%20b%2Fc"
