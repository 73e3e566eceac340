"""Private metadata out, rights metadata in, for every image we serve.

- ``apply_orientation`` turns EXIF orientation into real pixel orientation before
  derivatives are made, so nothing depends on the EXIF block we drop.
- ``save_for_serving`` re-encodes with no EXIF (so no GPS, camera serials or
  generator prompts), no comments and no text chunks, keeping the ICC colour
  profile, and embeds the artist's rights XMP packet (JPEG APP1, PNG iTXt
  ``XML:com.adobe.xmp``, WebP ``XMP`` chunk).
- ``build_rights_xmp`` writes the IPTC/PLUS rights packet; ``read_rights`` reads
  it back from a JPEG, PNG or WebP file.

Lossless rewriting of artist-protected originals lives in ``media.lossless``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageOps, PngImagePlugin

from media.containers import MalformedContainer, inflate_bounded, walk_jpeg, walk_png, walk_riff

DATA_MINING_VOCABULARY = "http://ns.useplus.org/ldf/vocab/"
DATA_MINING_VALUES = (
    "DMI-UNSPECIFIED",
    "DMI-ALLOWED",
    "DMI-PROHIBITED-AIMLTRAINING",
    "DMI-PROHIBITED-GENAIMLTRAINING",
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
    "DMI-PROHIBITED",
    "DMI-PROHIBITED-SEECONSTRAINT",
    "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR",
    "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
)
JPEG_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
PNG_XMP_KEYWORD = "XML:com.adobe.xmp"
_MAX_XMP_BYTES = 60_000  # one JPEG APP1 segment holds at most 65 533 bytes

_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "cc": "http://creativecommons.org/ns#",
}


@dataclass(frozen=True)
class RightsInfo:
    """What we tell the world about one artist's image, embedded in every copy we serve."""

    creator: str
    copyright_notice: str
    data_mining: str = "DMI-PROHIBITED-AIMLTRAINING"
    web_statement: str | None = None  # URL of the post or rights page
    licensor_url: str | None = None  # the artist's profile URL
    licence_url: str | None = None  # e.g. a Creative Commons licence URL
    usage_terms: str | None = None
    credit: str | None = None

    def __post_init__(self) -> None:
        if self.data_mining not in DATA_MINING_VALUES:
            raise ValueError(f"unknown plus:DataMining value {self.data_mining!r}")


def build_rights_xmp(rights: RightsInfo) -> bytes:
    """The XMP packet (UTF-8 bytes) carrying ``rights``; user text is XML-escaped."""

    def alt(name: str, text: str) -> str:
        return f'   <{name}><rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt></{name}>\n'

    namespaces = "".join(f"\n    xmlns:{prefix}={quoteattr(uri)}" for prefix, uri in _NS.items() if prefix not in ("x", "rdf"))
    body = f"   <dc:creator><rdf:Seq><rdf:li>{escape(rights.creator)}</rdf:li></rdf:Seq></dc:creator>\n"
    body += alt("dc:rights", rights.copyright_notice)
    if rights.credit:
        body += f"   <photoshop:Credit>{escape(rights.credit)}</photoshop:Credit>\n"
    body += "   <xmpRights:Marked>True</xmpRights:Marked>\n"
    if rights.web_statement:
        body += f"   <xmpRights:WebStatement>{escape(rights.web_statement)}</xmpRights:WebStatement>\n"
    if rights.usage_terms:
        body += alt("xmpRights:UsageTerms", rights.usage_terms)
    if rights.licence_url:
        body += f"   <cc:license rdf:resource={quoteattr(rights.licence_url)}/>\n"
    body += f"   <plus:DataMining>{DATA_MINING_VOCABULARY}{rights.data_mining}</plus:DataMining>\n"
    licensor_url = ""
    if rights.licensor_url:
        licensor_url = f"\n     <plus:LicensorURL>{escape(rights.licensor_url)}</plus:LicensorURL>"
    body += (
        '   <plus:Licensor><rdf:Seq><rdf:li rdf:parseType="Resource">\n'
        f"     <plus:LicensorName>{escape(rights.creator)}</plus:LicensorName>{licensor_url}\n"
        "   </rdf:li></rdf:Seq></plus:Licensor>\n"
    )
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f'  <rdf:Description rdf:about=""{namespaces}>\n'
        f"{body}"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode("utf-8")
    if len(packet) > _MAX_XMP_BYTES:
        raise ValueError(f"rights metadata is {len(packet)} bytes, more than one JPEG segment holds")
    return packet


def apply_orientation(image: Image.Image) -> Image.Image:
    """Return the image turned upright per its EXIF orientation (orientation tag removed)."""
    return ImageOps.exif_transpose(image)


def save_for_serving(image: Image.Image, fp: BinaryIO | str | Path, fmt: str, rights_xmp: bytes, **options) -> None:
    """Encode ``image`` as ``fmt`` (JPEG, PNG, WEBP) with only the ICC profile and ``rights_xmp``.

    Call ``apply_orientation`` first: no EXIF is written, orientation included.
    """
    icc_profile = image.info.get("icc_profile")
    if icc_profile:
        options["icc_profile"] = icc_profile
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt(PNG_XMP_KEYWORD, rights_xmp.decode("utf-8"), zip=False)
        image.save(fp, "PNG", pnginfo=info, **options)
    elif fmt == "JPEG":
        image.save(fp, "JPEG", xmp=rights_xmp, exif=b"", comment=b"", **options)
    elif fmt == "WEBP":
        image.save(fp, "WEBP", xmp=rights_xmp, exif=b"", **options)
    else:
        raise ValueError(f"cannot embed rights metadata in {fmt}")


def extract_xmp(fp: BinaryIO, fmt: str) -> bytes | None:
    """The first XMP packet stored in a JPEG, PNG or WebP file, or ``None``."""
    if fmt == "JPEG":
        for part in walk_jpeg(fp):
            if part.kind == 0xE1 and part.payload.startswith(JPEG_XMP_HEADER):
                return part.payload[len(JPEG_XMP_HEADER) :]
    elif fmt == "PNG":
        for part in walk_png(fp):
            if part.kind == b"iTXt" and part.payload and part.payload.startswith(PNG_XMP_KEYWORD.encode() + b"\x00"):
                rest = part.payload[len(PNG_XMP_KEYWORD) + 1 :]
                text = rest[2:].split(b"\x00", 2)[-1]
                return inflate_bounded(text, 1024 * 1024) if rest[:1] == b"\x01" else text
    elif fmt == "WEBP":
        for part in walk_riff(fp):
            if part.kind == b"XMP ":
                return part.payload
    else:
        raise ValueError(f"cannot read rights metadata from {fmt}")
    return None


def read_rights(path: str | Path) -> dict[str, str]:
    """The rights fields in the XMP of a JPEG, PNG or WebP file (empty dict if none).

    Keys: creator, copyright, credit, marked, web_statement, usage_terms,
    licence, data_mining (the vocabulary term, e.g. DMI-PROHIBITED-AIMLTRAINING),
    licensor_name, licensor_url. Raises ``ValueError`` if the XMP is not XML.
    """
    with open(path, "rb") as fp:
        head = fp.read(12)
        fmt = "JPEG" if head.startswith(b"\xff\xd8") else "PNG" if head.startswith(b"\x89PNG") else "WEBP"
        try:
            packet = extract_xmp(fp, fmt)
        except MalformedContainer:
            return {}
    if not packet:
        return {}
    try:
        root = ElementTree.fromstring(packet.decode("utf-8", "replace").lstrip("\ufeff"))
    except ElementTree.ParseError as error:
        raise ValueError(f"the file's XMP packet is not well-formed XML ({error})") from None
    ns = _NS
    fields: dict[str, str] = {}

    def text(xpath: str, key: str) -> None:
        element = root.find(xpath, ns)
        if element is not None and element.text:
            fields[key] = element.text.strip()

    text(".//dc:creator//rdf:li", "creator")
    text(".//dc:rights//rdf:li", "copyright")
    text(".//photoshop:Credit", "credit")
    text(".//xmpRights:Marked", "marked")
    text(".//xmpRights:WebStatement", "web_statement")
    text(".//xmpRights:UsageTerms//rdf:li", "usage_terms")
    text(".//plus:DataMining", "data_mining")
    text(".//plus:Licensor//plus:LicensorName", "licensor_name")
    text(".//plus:Licensor//plus:LicensorURL", "licensor_url")
    licence = root.find(".//cc:license", ns)
    if licence is not None:
        fields["licence"] = licence.get(f"{{{ns['rdf']}}}resource") or (licence.text or "").strip()
    if "data_mining" in fields:
        fields["data_mining"] = fields["data_mining"].removeprefix(DATA_MINING_VOCABULARY)
    return fields
