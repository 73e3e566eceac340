"""AI-provenance detection on an upload's original bytes, and the policy decision on it.

``detect`` walks the raw container (JPEG segments, PNG chunks, RIFF chunks, GIF
blocks; AVIF is searched as raw bytes) and reads every metadata payload within a
size bound, looking for IPTC Digital
Source Types (in XMP, IPTC-IIM, EXIF or C2PA manifests), C2PA manifest stores,
and the text that common image generators leave behind. A part too large to
read, compressed text that inflates past the bound, or structure that cannot be
followed yields an ``unverifiable`` mark: such a file is never reported clean.
Metadata proves presence only; an empty result never means "made by a human".

``detect_stealth_metadata`` checks decoded pixels for NovelAI's alpha-channel
marker. ``decide`` is a pure function turning marks and an instance policy into
a ``Decision`` with a message that names the mark.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Literal

from PIL import Image

from media.containers import (
    DEFAULT_PAYLOAD_LIMIT,
    MalformedContainer,
    Part,
    inflate_bounded,
    walk_gif,
    walk_jpeg,
    walk_png,
    walk_riff,
)

Policy = Literal["reject", "label", "allow"]
POLICIES: tuple[Policy, ...] = ("allow", "label", "reject")  # least to most strict

# Mark kinds, as ``decide`` weighs them:
AI_GENERATED = "ai-generated"  # the policy applies
AI_EDITED = "ai-edited"  # the policy applies
UNVERIFIABLE = "unverifiable"  # could hide a mark: refused under "reject"
AI_POSSIBLE = "ai-possible"  # a hint only: labelled
SYNTHETIC = "synthetic"  # algorithmic but not generative AI: labelled
C2PA_MANIFEST = "c2pa-manifest"  # informational
RIGHTS_RESERVATION = "rights-reservation"  # informational: the uploader's own do-not-train

_DIGITAL_SOURCE_TYPE = re.compile(
    rb"(?:cv\.iptc\.org/newscodes/digitalsourcetype/|c2pa\.org/digitalsourcetype/)([A-Za-z]+)"
)
_SOURCE_TYPE_KINDS = {
    b"trainedAlgorithmicMedia": AI_GENERATED,
    b"trainedAlgorithmicData": AI_GENERATED,
    b"compositeWithTrainedAlgorithmicMedia": AI_EDITED,
    b"compositeSynthetic": AI_EDITED,
    b"virtualRecording": AI_POSSIBLE,
    b"algorithmicMedia": SYNTHETIC,
}
_AI_SYSTEM_USED = re.compile(rb"AISystemUsed(?:>|=\")\s*([^<\"\s][^<\"]{0,119})")
_DATA_MINING = re.compile(rb"ldf/vocab/(DMI-PROHIBITED[A-Z-]*)")
_ADOBE_GENERATIVE_AI = b"com.adobe.generative-ai"  # assertion label in Firefly output
_TRAINING_ASSERTIONS = (b"c2pa.training-mining", b"cawg.training-mining")
_A1111_TEXT = re.compile(r"Steps: \d+, (?:Sampler|CFG scale|Seed)")
_A1111_PATTERNS = tuple(
    pattern.encode(encoding) for pattern in ("Steps: ",) for encoding in ("ascii", "utf-16-le", "utf-16-be")
)

_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_JPEG_XMP_EXTENSION = b"http://ns.adobe.com/xmp/extension/\x00"
_PNG_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


@dataclass(frozen=True)
class ProvenanceMark:
    kind: str  # one of the mark kinds above
    detail: str  # for people: "C2PA manifest says trainedAlgorithmicMedia"
    where: str  # where in the file: "JPEG APP11 (C2PA)", "PNG tEXt 'parameters'"


@dataclass(frozen=True)
class Decision:
    action: Literal["accept", "label", "reject"]
    message: str
    marks: tuple[ProvenanceMark, ...]


def detect(path: str | Path, fmt: str, payload_limit: int = DEFAULT_PAYLOAD_LIMIT) -> list[ProvenanceMark]:
    """Provenance marks in the file at ``path``, whose sniffed format is ``fmt`` (JPEG, PNG, ...)."""
    with open(path, "rb") as fp:
        return detect_in(fp, fmt, payload_limit)


def detect_in(fp: BinaryIO, fmt: str, payload_limit: int = DEFAULT_PAYLOAD_LIMIT) -> list[ProvenanceMark]:
    """Like ``detect`` on an open seekable binary file. Never raises for malformed content."""
    scanner = _Scanner(payload_limit)
    walker = {
        "JPEG": scanner.scan_jpeg,
        "PNG": scanner.scan_png,
        "WEBP": scanner.scan_riff,
        "GIF": scanner.scan_gif,
    }.get(fmt)
    try:
        if walker is None:
            scanner.scan_raw(fp, fmt)
        else:
            walker(fp)
    except MalformedContainer as error:
        scanner.add(UNVERIFIABLE, f"file structure cannot be followed ({error.problem})", f"{error.container} at byte {error.offset}")
    return scanner.marks


class _Scanner:
    def __init__(self, payload_limit: int) -> None:
        self.payload_limit = payload_limit
        self.marks: list[ProvenanceMark] = []

    def add(self, kind: str, detail: str, where: str) -> None:
        mark = ProvenanceMark(kind, detail, where)
        if mark not in self.marks:
            self.marks.append(mark)

    def too_big(self, where: str, size: int) -> None:
        self.add(UNVERIFIABLE, f"metadata of {size} bytes is too large to inspect", where)

    # -- generic payload checks -------------------------------------------------

    def scan_payload(self, data: bytes, where: str, source: str = "metadata") -> None:
        """Checks that apply to any metadata bytes, whatever carries them."""
        for match in _DIGITAL_SOURCE_TYPE.finditer(data):
            term = match.group(1)
            kind = _SOURCE_TYPE_KINDS.get(term)
            if kind is not None:
                self.add(kind, f"{source} says {term.decode()}", where)
        for match in _AI_SYSTEM_USED.finditer(data):
            name = match.group(1).decode("utf-8", "replace").strip()
            self.add(AI_GENERATED, f"{source} names the AI system used: {name}", where)
        for match in _DATA_MINING.finditer(data):
            self.add(RIGHTS_RESERVATION, f"{source} reserves data mining: {match.group(1).decode()}", where)
        for label in _TRAINING_ASSERTIONS:
            if label in data:
                self.add(RIGHTS_RESERVATION, f"{source} carries a {label.decode()} assertion", where)
        if any(pattern in data for pattern in _A1111_PATTERNS) and self._has_a1111_text(data):
            self.add(AI_GENERATED, "Stable Diffusion WebUI generation parameters", where)

    @staticmethod
    def _has_a1111_text(data: bytes) -> bool:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            for start in (0, 1):  # UTF-16 text may sit at an odd offset (EXIF UserComment prefix)
                if _A1111_TEXT.search(data[start:].decode(encoding, "ignore")):
                    return True
        return False

    def scan_c2pa(self, store: bytes, where: str) -> None:
        self.add(C2PA_MANIFEST, "C2PA manifest present", where)
        self.scan_payload(store, where, "C2PA manifest")
        if _ADOBE_GENERATIVE_AI in store:
            self.add(AI_GENERATED, "C2PA manifest carries Adobe's generative-AI assertion", where)

    # -- JPEG -------------------------------------------------------------------

    def scan_jpeg(self, fp: BinaryIO) -> None:
        c2pa_parts: list[bytes] = []
        c2pa_size = 0
        extended_xmp: list[tuple[int, bytes]] = []  # (offset in the packet, piece)
        for part in walk_jpeg(fp):
            if part.kind == "trailer":
                self.scan_trailer(fp, part, "JPEG")
                continue
            if not isinstance(part.kind, int) or not part.payload:
                continue
            marker, payload = part.kind, part.payload
            where = f"JPEG APP{marker - 0xE0}" if 0xE0 <= marker <= 0xEF else f"JPEG marker 0x{marker:02X}"
            if marker == 0xEB and payload.startswith(b"JP") and len(payload) >= 8:
                sequence = int.from_bytes(payload[4:8], "big")
                box = payload[8:]
                if sequence > 1 and len(box) >= 8:  # later segments repeat LBox/TBox
                    box = box[16:] if box[:4] == b"\x00\x00\x00\x01" else box[8:]
                c2pa_size += len(box)
                if c2pa_size <= self.payload_limit:
                    c2pa_parts.append(box)
                continue
            if marker == 0xE1 and payload.startswith(_JPEG_XMP):
                self.scan_payload(payload, "JPEG APP1 (XMP)", "XMP")
            elif marker == 0xE1 and payload.startswith(_JPEG_XMP_EXTENSION):
                # signature, 32-byte GUID, 4-byte full length, 4-byte offset, then the piece
                header = len(_JPEG_XMP_EXTENSION) + 40
                offset = int.from_bytes(payload[header - 4 : header], "big")
                extended_xmp.append((offset, payload[header:]))
            elif marker == 0xE1 and payload.startswith(b"Exif"):
                self.scan_payload(payload, "JPEG APP1 (EXIF)", "EXIF")
            elif marker == 0xED:
                self.scan_payload(payload, "JPEG APP13 (IPTC-IIM)", "IPTC-IIM")
            else:
                self.scan_payload(payload, where)
        extended_size = sum(len(piece) for _, piece in extended_xmp)
        if extended_size > self.payload_limit:
            self.too_big("JPEG APP1 (extended XMP)", extended_size)
        elif extended_xmp:
            joined = b"".join(piece for _, piece in sorted(extended_xmp, key=lambda item: item[0]))
            self.scan_payload(joined, "JPEG APP1 (extended XMP)", "XMP")
        if c2pa_size > self.payload_limit:
            self.add(C2PA_MANIFEST, "C2PA manifest present", "JPEG APP11 (C2PA)")
            self.too_big("JPEG APP11 (C2PA)", c2pa_size)
        elif c2pa_parts:
            self.scan_c2pa(b"".join(c2pa_parts), "JPEG APP11 (C2PA)")

    # -- PNG --------------------------------------------------------------------

    def scan_png(self, fp: BinaryIO) -> None:
        for part in walk_png(fp, self.payload_limit):
            if part.kind == "trailer":
                self.scan_trailer(fp, part, "PNG")
                continue
            kind = part.kind.decode("ascii")
            where = f"PNG {kind}"
            if part.kind in (b"IDAT", b"fdAT"):
                continue
            if part.oversized:
                self.too_big(where, part.payload_size)
                if part.kind == b"caBX":
                    self.add(C2PA_MANIFEST, "C2PA manifest present", "PNG caBX (C2PA)")
                continue
            if part.kind == b"caBX":
                self.scan_c2pa(part.payload, "PNG caBX (C2PA)")
            elif part.kind in _PNG_TEXT_CHUNKS:
                self.scan_png_text(part.kind, part.payload)
            else:
                self.scan_payload(part.payload, where)

    def scan_png_text(self, chunk: bytes, payload: bytes) -> None:
        keyword, _, rest = payload.partition(b"\x00")
        name = keyword.decode("latin-1")
        where = f"PNG {chunk.decode()} '{name}'"
        if chunk == b"tEXt":
            text = rest
        elif chunk == b"zTXt":
            text = self._inflate(rest[1:], where)
        else:  # iTXt: flag, method, language\0, translated keyword\0, text
            if len(rest) < 2:
                raise MalformedContainer("PNG", 0, f"iTXt chunk '{name}' is cut short")
            compressed = rest[0] == 1
            fields = rest[2:].split(b"\x00", 2)
            if len(fields) != 3:
                raise MalformedContainer("PNG", 0, f"iTXt chunk '{name}' is cut short")
            text = self._inflate(fields[2], where) if compressed else fields[2]
        if text is None:
            return
        source = "XMP" if name == "XML:com.adobe.xmp" else "metadata"
        self.scan_payload(text, where, source)
        self.scan_generator_text(name, text, where)

    def _inflate(self, data: bytes, where: str) -> bytes | None:
        text = inflate_bounded(data, self.payload_limit)
        if text is None:
            self.add(UNVERIFIABLE, "compressed metadata expands beyond what can be inspected", where)
        return text

    def scan_generator_text(self, name: str, text: bytes, where: str) -> None:
        decoded = text.decode("utf-8", "replace")
        if name == "parameters" and _A1111_TEXT.search(decoded):
            self.add(AI_GENERATED, "Stable Diffusion WebUI generation parameters", where)
        elif name in ("prompt", "workflow") and _looks_like_json_object(decoded):
            self.add(AI_GENERATED, f"ComfyUI {name} graph", where)
        elif name == "Software" and decoded.strip().startswith("NovelAI"):
            self.add(AI_GENERATED, "NovelAI software tag", where)
        elif name == "Comment" and _looks_like_json_object(decoded) and '"sampler"' in decoded and '"uc"' in decoded:
            self.add(AI_GENERATED, "NovelAI generation settings", where)
        elif name in ("invokeai_metadata", "invokeai_graph", "sd-metadata", "Dream"):
            self.add(AI_GENERATED, f"InvokeAI {name}", where)

    # -- RIFF (WebP) ------------------------------------------------------------

    def scan_riff(self, fp: BinaryIO) -> None:
        for part in walk_riff(fp, self.payload_limit):
            if part.kind == "trailer":
                self.scan_trailer(fp, part, "WebP")
                continue
            name = part.kind.decode("latin-1").strip()
            where = f"WebP {name}"
            if part.oversized:
                self.too_big(where, part.payload_size)
                if part.kind == b"C2PA":
                    self.add(C2PA_MANIFEST, "C2PA manifest present", "WebP C2PA chunk")
            elif part.kind == b"C2PA":
                self.scan_c2pa(part.payload, "WebP C2PA chunk")
            elif part.payload is not None:
                source = {"XMP": "XMP", "EXIF": "EXIF"}.get(name, "metadata")
                self.scan_payload(part.payload, where, source)

    # -- GIF ----------------------------------------------------------------------

    def scan_gif(self, fp: BinaryIO) -> None:
        for part in walk_gif(fp, self.payload_limit):
            if part.kind == "trailer":
                self.scan_trailer(fp, part, "GIF")
                continue
            if not part.kind.startswith(b"!"):
                continue
            is_c2pa = part.kind.startswith(b"!\xffC2PA_GIF")
            name = "C2PA" if is_c2pa else part.kind[2:].decode("latin-1") or f"0x{part.kind[1]:02X}"
            where = f"GIF extension {name}"
            if part.oversized:
                self.too_big(where, part.payload_size)
                if is_c2pa:
                    self.add(C2PA_MANIFEST, "C2PA manifest present", where)
            elif is_c2pa:
                self.scan_c2pa(part.payload, where)
            else:
                self.scan_payload(part.payload, where, "XMP" if part.kind.startswith(b"!\xffXMP") else "metadata")

    # -- anything else ------------------------------------------------------------

    def scan_trailer(self, fp: BinaryIO, part: Part, container: str) -> None:
        where = f"{container} data after the end of the image"
        if part.size > self.payload_limit:
            self.too_big(where, part.size)
            return
        fp.seek(part.offset)
        self.scan_payload(fp.read(part.size), where)

    def scan_raw(self, fp: BinaryIO, fmt: str) -> None:
        """For containers without a walker (AVIF): search all bytes in overlapping blocks."""
        fp.seek(0)
        overlap = 256
        carry = b""
        while block := fp.read(1024 * 1024):
            data = carry + block
            if b"c2pa" in data and b"jumb" in data:
                self.add(C2PA_MANIFEST, "C2PA manifest present", f"{fmt} file")
            self.scan_payload(data, f"{fmt} file")
            carry = data[-overlap:]


def _looks_like_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


_STEALTH_MAGICS = (b"stealth_pnginfo", b"stealth_pngcomp")


def detect_stealth_metadata(image: Image.Image) -> list[ProvenanceMark]:
    """NovelAI's "stealth" metadata: a magic string in the alpha channel's lowest bits.

    The bits run column by column from the top-left pixel. Needs decoded pixels,
    so the caller passes the image it already decoded; only images with alpha
    can carry it.
    """
    if image.mode not in ("RGBA", "LA", "PA") or image.width * image.height < 120:
        return []
    bits = len(_STEALTH_MAGICS[0]) * 8
    columns = -(-bits // image.height)
    alpha = image.crop((0, 0, columns, image.height)).getchannel("A").transpose(Image.Transpose.TRANSPOSE)
    lowest = [value & 1 for value in alpha.tobytes()[:bits]]
    magic = bytes(int("".join(map(str, lowest[i : i + 8])), 2) for i in range(0, bits, 8))
    if magic in _STEALTH_MAGICS:
        return [ProvenanceMark(AI_GENERATED, "NovelAI stealth metadata", "alpha channel")]
    return []


def decide(marks: Iterable[ProvenanceMark], policy: Policy) -> Decision:
    """Apply an instance or artist policy to detected marks.

    - ``ai-generated``/``ai-edited``: rejected under "reject", labelled under "label".
    - ``unverifiable`` (metadata too big or broken to check): under "reject" the
      file is refused, since it could hide a mark; under "label" it is labelled.
    - ``ai-possible``/``synthetic``: labelled under "reject" and "label" (they do
      not prove generative AI).
    - "allow" accepts everything.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown AI-provenance policy {policy!r}")
    marks = tuple(marks)
    strong = [mark for mark in marks if mark.kind in (AI_GENERATED, AI_EDITED)]
    unverifiable = [mark for mark in marks if mark.kind == UNVERIFIABLE]
    weak = [mark for mark in marks if mark.kind in (AI_POSSIBLE, SYNTHETIC)]
    if policy == "allow":
        return Decision("accept", "accepted: AI-generated images are allowed here", marks)
    if strong:
        first = strong[0]
        action = "reject" if policy == "reject" else "label"
        verb = "rejected" if action == "reject" else "labelled AI-generated"
        return Decision(action, f"{verb}: {first.detail} ({first.where})", marks)
    if unverifiable:
        first = unverifiable[0]
        if policy == "reject":
            return Decision("reject", f"rejected: provenance cannot be checked, {first.detail} ({first.where})", marks)
        return Decision("label", f"labelled unverified: {first.detail} ({first.where})", marks)
    if weak:
        first = weak[0]
        return Decision("label", f"labelled: {first.detail} ({first.where})", marks)
    return Decision("accept", "accepted: no AI-provenance mark found", marks)
