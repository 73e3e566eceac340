"""Real C2PA manifests for the tests, signed here with the same library the server reads them with.

``SigningAuthority`` is a throwaway certificate authority made with ``cryptography`` on
each run (an ECDSA P-256 root, and a signing certificate it issued with the e-mail
protection purpose C2PA accepts), so no key is committed. ``sign`` embeds a manifest
whose ``c2pa.created`` action declares a digital source type, plus a training-and-mining
assertion, into a JPEG or PNG made by ``tests.media.samples``.
"""

from __future__ import annotations

import datetime
import io
import os
from dataclasses import dataclass
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.media import samples

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common_name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)]
    )


def _usage(**allowed) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: allowed.get(name, False) for name in names})


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class SigningAuthority:
    root_pem: bytes  # the trust anchor a server may be told to trust
    chain_pem: bytes  # the signing certificate, then the root
    key_pem: bytes  # the signing certificate's private key

    @classmethod
    def create(cls, organisation: str = "Test Camera Works", signer: str = "Test Camera Signer") -> SigningAuthority:
        now = datetime.datetime.now(datetime.UTC)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name(f"{organisation} Root CA", organisation)
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_usage(digital_signature=True, key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder()
            .subject_name(_name(signer, organisation))
            .issuer_name(root_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return cls(_pem(root), _pem(leaf) + _pem(root), key_pem)

    def write_root(self, folder: Path) -> Path:
        path = folder / "trusted-authorities.pem"
        path.write_bytes(self.root_pem)
        return path

    def sign(
        self,
        image: bytes,
        fmt: str = "JPEG",
        source_type: str = "digitalCapture",
        generator: str = "Test Camera",
        extra_assertions: list[dict] | None = None,
        padding: int = 0,
    ) -> bytes:
        """``image`` with an embedded manifest: created as ``source_type`` by ``generator``.

        ``padding``: that many random bytes embedded as the manifest's thumbnail, to make
        an oversized (but otherwise valid) manifest.
        """
        manifest = {
            "claim_generator_info": [{"name": generator, "version": "2.1"}],
            "title": "test work",
            "assertions": [
                {"label": "c2pa.actions.v2",
                 "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": DST + source_type}]}},
                {"label": "cawg.training-mining",
                 "data": {"entries": {"cawg.ai_generative_training": {"use": "notAllowed"},
                                      "cawg.ai_inference": {"use": "notAllowed"}}}},
                *(extra_assertions or []),
            ],
        }
        if padding:
            manifest["thumbnail"] = {"format": "image/jpeg", "identifier": "padding.jpg"}
        context = c2pa.Context(settings=c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}}))
        signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(b"es256", self.chain_pem, self.key_pem, None))
        out = io.BytesIO()
        with c2pa.Builder(manifest, context=context) as builder:
            if padding:
                builder.add_resource("padding.jpg", io.BytesIO(os.urandom(padding)))
            builder.sign(signer, MIME[fmt], io.BytesIO(image), out)
        return out.getvalue()


def plain(fmt: str = "JPEG", size=(160, 120)) -> bytes:
    return samples.encode(samples.picture(size), fmt)


def tampered(signed: bytes) -> bytes:
    """The signed JPEG with a pixel changed after signing: the manifest's hash no longer matches."""
    from PIL import Image

    picture = Image.open(io.BytesIO(signed))
    picture.load()
    changed = bytearray(signed)
    # Flip bits near the end of the scan data (before EOI): still a decodable JPEG.
    changed[-40] ^= 0x01
    assert bytes(changed) != signed and picture.size
    return bytes(changed)


def malformed(signed: bytes) -> bytes:
    """The signed JPEG with the manifest's boxes overwritten: the store cannot be parsed."""
    start = signed.index(b"\xff\xeb") + 40
    return signed[:start] + b"A" * 160 + signed[start + 160 :]
