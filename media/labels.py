"""What people are told about an attachment's AI provenance: the one place the label is decided.

Every door an image leaves by reads the same ``AiVerdict``: the client API (description
prefixed with ``AiVerdict.label``, the status marked sensitive, the verdict as an extra
field), the web pages (a badge and a folded image) and the federated Note (a
content-warning ``summary`` and the verdict on the attachment).

The verdict comes from the media rules:

- a local upload keeps the verdict it got when it was accepted (the uploader's
  effective ``ai_generated_local``): labelled when it was stored with a label;
- a remote file is judged from the provenance marks found when it was fetched
  (``MediaAttachment.ai_marks``) under the *viewer's* ``ai_generated_remote``: the
  instance's, made stricter by her own preference (``media.policy``). Under "reject" it
  is hidden from her; under "label" it carries the label; "allow" shows it as it is.
  A file not fetched yet has no marks and no verdict until it is checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fediserver.models import Account, MediaAttachment
from media.policy import ArtistProtection, effective_policy
from media.provenance import (
    AI_EDITED,
    AI_GENERATED,
    AI_POSSIBLE,
    POLICIES,
    SYNTHETIC,
    UNVERIFIABLE,
    Policy,
    ProvenanceMark,
    decide,
)
from media.rules import MediaRules

# The words a person sees first, by the kind of mark the verdict rests on.
HEADLINES = {
    AI_GENERATED: "AI-generated",
    AI_EDITED: "AI-edited",
    UNVERIFIABLE: "AI provenance unverified",
    AI_POSSIBLE: "Possibly AI-generated",
    SYNTHETIC: "Computer-generated",
}
# The IPTC digital source type a verdict amounts to, sent with federated attachments.
IPTC_SOURCE_TYPES = {
    AI_GENERATED: "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
    AI_EDITED: "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia",
    SYNTHETIC: "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia",
}
_WEIGHT = (AI_GENERATED, AI_EDITED, UNVERIFIABLE, AI_POSSIBLE, SYNTHETIC)  # strongest first

Action = Literal["show", "label", "hide"]


@dataclass(frozen=True)
class AiVerdict:
    """What to do with one attachment for one viewer, and what to tell her."""

    action: Action
    kind: str | None = None  # the mark kind the verdict rests on
    reason: str = ""  # the mark, for people: "XMP says trainedAlgorithmicMedia (JPEG APP1 XMP)"

    @property
    def label(self) -> str | None:
        """The label text every door shows, or None when there is nothing to say."""
        if self.action != "label":
            return None
        headline = HEADLINES.get(self.kind or "", "AI label")
        return f"{headline}: {self.reason}" if self.reason else headline

    @property
    def headline(self) -> str | None:
        return HEADLINES.get(self.kind or "", "AI label") if self.action == "label" else None

    @property
    def source_type(self) -> str | None:
        return IPTC_SOURCE_TYPES.get(self.kind or "") if self.action == "label" else None

    def as_json(self) -> dict[str, Any] | None:
        """The verdict as the client API's extra attachment field (None when shown plainly)."""
        if self.action == "show":
            return None
        return {"verdict": self.action, "kind": self.kind, "label": self.label, "reason": self.reason,
                "digital_source_type": self.source_type}


SHOW = AiVerdict("show")


def marks_json(marks: Iterable[ProvenanceMark]) -> list[dict[str, str]]:
    """Marks as stored in ``MediaAttachment.ai_marks``."""
    return [{"kind": m.kind, "detail": m.detail, "where": m.where} for m in marks]


def _marks(stored: Any) -> list[ProvenanceMark]:
    if not isinstance(stored, list):
        return []
    return [
        ProvenanceMark(str(item.get("kind", "")), str(item.get("detail", "")), str(item.get("where", "")))
        for item in stored
        if isinstance(item, Mapping)
    ]


def _strongest(marks: Iterable[ProvenanceMark]) -> ProvenanceMark | None:
    ranked = [m for m in marks if m.kind in _WEIGHT]
    return min(ranked, key=lambda m: _WEIGHT.index(m.kind)) if ranked else None


def _from_label_text(text: str) -> AiVerdict:
    """A verdict from a stored ``ai_label`` message alone (rows stored before marks were kept)."""
    head, _, rest = text.partition(": ")
    kind = AI_GENERATED if "AI-generated" in head else UNVERIFIABLE if "unverified" in head else AI_POSSIBLE
    return AiVerdict("label", kind, rest or text)


def verdict_for(attachment: MediaAttachment, remote_policy: Policy) -> AiVerdict:
    """The verdict on ``attachment`` for a viewer whose effective remote rule is ``remote_policy``."""
    if not attachment.remote_url:
        # A local upload keeps the verdict it was stored with; its marks say what it rests on.
        if not attachment.ai_label:
            return SHOW
        strongest = _strongest(_marks(attachment.ai_marks))
        if strongest is None:
            return _from_label_text(attachment.ai_label)
        return AiVerdict("label", strongest.kind, f"{strongest.detail} ({strongest.where})")
    if attachment.ai_marks is None:
        return _from_label_text(attachment.ai_label) if attachment.ai_label else SHOW
    marks = _marks(attachment.ai_marks)
    decision = decide(marks, remote_policy)
    if decision.action == "accept":
        return SHOW
    strongest = _strongest(marks)
    reason = f"{strongest.detail} ({strongest.where})" if strongest else decision.message
    return AiVerdict("hide" if decision.action == "reject" else "label", strongest.kind if strongest else None, reason)


def remote_policy_for(rules: MediaRules, viewer: Account | None) -> Policy:
    """The viewer's effective ``ai_generated_remote``: the instance's, or her stricter own."""
    if viewer is None:
        return rules.protection.ai_generated_remote
    own = ArtistProtection.from_overrides(viewer.protection_overrides or {})
    return effective_policy(rules.protection, own).ai_generated_remote


def looser_than_instance(rules: MediaRules, choice: str) -> bool:
    return POLICIES.index(choice) < POLICIES.index(rules.protection.ai_generated_remote)


class MediaLabels:
    """Verdicts for one viewer (None: an anonymous visitor or another server)."""

    def __init__(self, rules: MediaRules, viewer: Account | None = None) -> None:
        self.remote_policy = remote_policy_for(rules, viewer)

    def verdict(self, attachment: MediaAttachment) -> AiVerdict:
        return verdict_for(attachment, self.remote_policy)


def labelled_description(description: str | None, verdict: AiVerdict) -> str | None:
    """The alt text as apps show it: the label first, then what the author wrote."""
    label = verdict.label
    if not label:
        return description or None
    return f"{label}. {description}" if description else label


def without_label(description: str, verdict: AiVerdict) -> str:
    """``description`` with the label ``labelled_description`` put in front taken off again."""
    label = verdict.label
    if label and description.startswith(label):
        return description[len(label):].removeprefix(".").lstrip()
    return description
