"""HTTPS through the guard: the connection goes to the checked address, while the
certificate is still verified against the host name from the URL."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from federation.address_policy import AddressPolicy
from federation.errors import FetchError
from federation.http_client import HttpClientSettings, SafeHttpClient
from tests.federation.loopback_server import LoopbackServer, Reply


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(tmp: Path, host: str) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for ``host`` signed by it, as PEM files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder().subject_name(_name("test CA")).issuer_name(_name("test CA"))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(host)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = tmp / "ca.pem", tmp / "cert.pem", tmp / "key.pem"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.fixture
def tls(tmp_path):
    ca, cert, key = make_certificates(tmp_path, "art.example")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(ca))
    return server_context, client_context


def client(port: int, host: str, client_context: ssl.SSLContext) -> SafeHttpClient:
    """Resolves every name to loopback, where only (host, port) is allowed."""
    return SafeHttpClient(HttpClientSettings(user_agent="t"),
                          policy=AddressPolicy(allowed_endpoints=frozenset({(host, port)})),
                          resolver=lambda name: ["127.0.0.1"], ssl_context=client_context)


async def test_https_to_a_resolved_and_checked_address_verifies_the_host_name(tls):
    server_context, client_context = tls
    async with LoopbackServer({"/actor": Reply(body=b"ok")}, server_context) as server:
        async with client(server.port, "art.example", client_context) as c:
            response = await c.get(f"https://art.example:{server.port}/actor")
    assert (response.status, response.body) == (200, b"ok")
    assert server.received[0].headers["host"] == f"art.example:{server.port}"


async def test_a_certificate_for_another_name_is_refused(tls):
    server_context, client_context = tls
    async with LoopbackServer({"/": Reply(body=b"ok")}, server_context) as server:
        async with client(server.port, "other.example", client_context) as c:
            with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
                await c.get(f"https://other.example:{server.port}/")
    assert server.received == []


async def test_an_untrusted_certificate_is_refused(tls):
    server_context, _ = tls
    async with LoopbackServer({"/": Reply(body=b"ok")}, server_context) as server:
        async with client(server.port, "art.example", ssl.create_default_context()) as c:
            with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
                await c.get(f"https://art.example:{server.port}/")
