"""Blocklist files: read in the formats collectives share, written as Mastodon's CSV.

Read (``parse_blocklist``, the format told by the content):

- Mastodon CSV, with the ``#domain,#severity,...`` header its export writes, or the
  same header without ``#`` (the columns may come in any order; ``domain`` is required),
  or no header at all (Mastodon's column order);
- GoToSocial JSON, ``[{"domain": ..., "public_comment" | "comment": ...}]`` (every entry
  a suspension, unless it carries a ``severity`` as Mastodon's public list does);
- plain text, one domain per line (``#`` starts a comment), at the severity asked for.

A malformed line stops the whole import with its line number (the entry's index for
JSON) and what is wrong. A domain listed twice keeps its most lenient entry: the
lower severity (noop < silence < suspend), and a flag only when every entry sets it.

``plan_import`` compares the entries with the stored blocks (new, changed, unchanged);
``apply_import`` writes the plan in one transaction, all or nothing, and applies what the
new blocks do. ``export_csv`` writes Mastodon's CSV with its ``#`` header.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fediserver.models.domain_blocks import Severity
from fediserver.moderation.domain_blocks import LENIENCY, DomainError, normalise_domain

if TYPE_CHECKING:
    from fediserver.config import Settings
    from fediserver.models import Account, DomainBlock
    from fediserver.moderation.domain_blocks import DomainPolicy
    from media.remote import RemoteMedia

FORMATS = ("auto", "csv", "json", "text")
CSV_COLUMNS = ("domain", "severity", "reject_media", "reject_reports", "public_comment", "obfuscate")
KNOWN_COLUMNS = frozenset({*CSV_COLUMNS, "private_comment"})
_TRUE = frozenset({"true", "1", "yes", "t"})
_FALSE = frozenset({"false", "0", "no", "f", ""})
_SEVERITY_NAMES = {"suspend": Severity.SUSPEND, "silence": Severity.SILENCE, "limit": Severity.SILENCE,
                   "noop": Severity.NOOP, "none": Severity.NOOP}
MAX_ERRORS_SHOWN = 10


class BlocklistError(ValueError):
    """A list that cannot be imported; the message names each bad line and what is wrong."""


@dataclass(frozen=True)
class BlockEntry:
    domain: str
    severity: Severity = Severity.SUSPEND
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    private_comment: str = ""
    obfuscate: bool = False
    line: int = 0

    def values(self) -> dict[str, Any]:
        return {"severity": self.severity, "reject_media": self.reject_media, "reject_reports": self.reject_reports,
                "public_comment": self.public_comment, "private_comment": self.private_comment,
                "obfuscate": self.obfuscate}


def detect_format(text: str, name: str = "") -> str:
    stripped = text.lstrip("\ufeff \t\r\n")
    if name.lower().endswith(".json") or stripped.startswith("["):
        return "json"
    first = next((line.strip() for line in stripped.splitlines() if line.strip()), "")
    if name.lower().endswith(".csv") or first.lower().startswith("#domain") or "," in first:
        return "csv"
    return "text"


def parse_blocklist(text: str, *, fmt: str = "auto", name: str = "the list",
                    severity: Severity = Severity.SUSPEND) -> list[BlockEntry]:
    """The entries of a blocklist, duplicates merged; ``BlocklistError`` naming each bad line."""
    text = text.removeprefix("\ufeff")
    kind = detect_format(text, name) if fmt == "auto" else fmt
    errors: list[str] = []
    if kind == "json":
        entries = _parse_json(text, errors)
    elif kind == "csv":
        entries = _parse_csv(text, errors)
    elif kind == "text":
        entries = _parse_text(text, severity, errors)
    else:
        raise BlocklistError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if errors:
        shown = "; ".join(errors[:MAX_ERRORS_SHOWN])
        more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise BlocklistError(f"{name}: {shown}{more}; nothing was imported")
    return merge_entries(entries)


def merge_entries(entries: list[BlockEntry]) -> list[BlockEntry]:
    """One entry per domain: the most lenient of its entries."""
    merged: dict[str, BlockEntry] = {}
    for entry in entries:
        known = merged.get(entry.domain)
        if known is None:
            merged[entry.domain] = entry
            continue
        lenient = min(known, entry, key=lambda e: LENIENCY.index(e.severity))
        merged[entry.domain] = replace(
            lenient,
            reject_media=known.reject_media and entry.reject_media,
            reject_reports=known.reject_reports and entry.reject_reports,
        )
    return list(merged.values())


def _domain(value: Any, where: str, errors: list[str]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{where}: no domain")
        return None
    if "*" in value:
        errors.append(f"{where}: {value.strip()!r} is obfuscated; the whole domain is needed")
        return None
    try:
        return normalise_domain(value)
    except DomainError as error:
        errors.append(f"{where}: {error}")
        return None


def _severity(value: Any, where: str, errors: list[str]) -> Severity | None:
    name = str(value or "suspend").strip().lower()
    if name not in _SEVERITY_NAMES:
        errors.append(f"{where}: severity {value!r} is not suspend, silence or noop")
        return None
    return _SEVERITY_NAMES[name]


def _flag(value: Any, column: str, where: str, errors: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        errors.append(f"{where}: {column} {value!r} is not true or false")
    return False


def _parse_csv(text: str, errors: list[str]) -> list[BlockEntry]:
    # newline="": a line may end in \r, \n or \r\n (lists saved on any system).
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as error:
        errors.append(f"line {reader.line_num}: {error}")
        return []
    columns: list[str] = list(CSV_COLUMNS)
    entries = []
    start = 0
    numbered = [(number, row) for number, row in enumerate(rows, 1) if any(cell.strip() for cell in row)]
    if numbered and numbered[0][1][0].strip().lstrip("#").strip().lower() == "domain":
        number, header = numbered[0]
        columns = [cell.strip().lstrip("#").strip().lower() for cell in header]
        unknown = [name for name in columns if name not in KNOWN_COLUMNS]
        if unknown:
            errors.append(f"line {number}: unknown column {unknown[0]!r} (expected {', '.join(sorted(KNOWN_COLUMNS))})")
            return []
        start = 1
    for number, row in numbered[start:]:
        where = f"line {number}"
        if row[0].lstrip().startswith("#"):
            continue
        if len(row) > len(columns):
            errors.append(f"{where}: {len(row)} fields, the header has {len(columns)}")
            continue
        cells = dict(zip(columns, (cell.strip() for cell in row)))
        domain = _domain(cells.get("domain"), where, errors)
        severity = _severity(cells.get("severity"), where, errors)
        flags = {name: _flag(cells.get(name), name, where, errors) for name in ("reject_media", "reject_reports", "obfuscate")}
        if domain is None or severity is None:
            continue
        entries.append(BlockEntry(domain, severity, public_comment=cells.get("public_comment", ""),
                                  private_comment=cells.get("private_comment", ""), line=number, **flags))
    return entries


def _parse_json(text: str, errors: list[str]) -> list[BlockEntry]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        errors.append(f"line {error.lineno}: not valid JSON ({error.msg})")
        return []
    if not isinstance(document, list):
        errors.append("line 1: expected a JSON array of {\"domain\": ...} objects")
        return []
    entries = []
    for index, item in enumerate(document):
        where = f"entry {index + 1}"
        if not isinstance(item, dict):
            errors.append(f"{where}: expected an object with a domain, got {type(item).__name__}")
            continue
        domain = _domain(item.get("domain"), where, errors)
        severity = _severity(item.get("severity"), where, errors)
        flags = {name: _flag(item.get(name), name, where, errors) for name in ("reject_media", "reject_reports", "obfuscate")}
        if domain is None or severity is None:
            continue
        comment = item.get("public_comment") or item.get("comment") or ""
        entries.append(BlockEntry(domain, severity, public_comment=str(comment),
                                  private_comment=str(item.get("private_comment") or ""), line=index + 1, **flags))
    return entries


def _parse_text(text: str, severity: Severity, errors: list[str]) -> list[BlockEntry]:
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if any(ch.isspace() for ch in value) or "," in value:
            errors.append(f"line {number}: {value[:80]!r} is not one domain")
            continue
        domain = _domain(value, f"line {number}", errors)
        if domain is not None:
            entries.append(BlockEntry(domain, severity, line=number))
    return entries


def export_csv(blocks: list[DomainBlock]) -> str:
    """Mastodon's export: the ``#`` header, then one block per line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"#{name}" for name in CSV_COLUMNS])
    for block in sorted(blocks, key=lambda b: b.domain):
        writer.writerow([block.domain, str(block.severity), _bool(block.reject_media), _bool(block.reject_reports),
                         block.public_comment, _bool(block.obfuscate)])
    return out.getvalue()


def _bool(value: bool) -> str:
    return "true" if value else "false"


# -- the config file's lists ------------------------------------------------------------------

def read_config_lists(settings: Settings) -> list[BlockEntry]:
    """The blocks ``[moderation]`` declares: its inline ``blocks`` and its ``block_lists``
    files (relative to the config file), merged; ``BlocklistError`` names the key."""
    moderation = settings.moderation
    entries = [
        BlockEntry(block.domain, Severity(block.severity), block.reject_media, block.reject_reports,
                   block.public_comment, block.private_comment, block.obfuscate)
        for block in moderation.blocks
    ]
    for index, path_text in enumerate(moderation.block_lists):
        path = Path(settings.base_dir) / path_text
        key = f"moderation.block_lists.{index}"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise BlocklistError(f"{key}: cannot read {path}: {error.strerror or error}") from None
        try:
            entries += parse_blocklist(text, name=str(path_text))
        except BlocklistError as error:
            raise BlocklistError(f"{key}: {error}") from None
    return merge_entries(entries)


# -- importing ---------------------------------------------------------------------------------

@dataclass
class ImportPlan:
    added: list[BlockEntry] = field(default_factory=list)
    changed: list[tuple[DomainBlock, BlockEntry]] = field(default_factory=list)
    kept: list[tuple[DomainBlock, BlockEntry]] = field(default_factory=list)  # differs, not updated
    unchanged: int = 0

    def describe(self) -> list[str]:
        lines = [f"+ {e.domain} {e.severity}{_flags(e)}" for e in self.added]
        lines += [f"~ {b.domain} {b.severity}{_flags(b)} -> {e.severity}{_flags(e)}" for b, e in self.changed]
        lines += [f"= {b.domain} kept as {b.severity}{_flags(b)} (the list says {e.severity}{_flags(e)}; "
                  "--update to take it)" for b, e in self.kept]
        lines.append(f"{len(self.added)} to add, {len(self.changed)} to change, {len(self.kept)} kept as they are, "
                     f"{self.unchanged} already the same")
        return lines


def _flags(entry: Any) -> str:
    flags = [name for name in ("reject_media", "reject_reports") if getattr(entry, name)]
    return f" ({', '.join(flags)})" if flags else ""


async def plan_import(entries: list[BlockEntry], *, update: bool = False, own_domain: str = "") -> ImportPlan:
    from fediserver.models import DomainBlock

    bad = [e for e in entries if own_domain and (own_domain == e.domain or own_domain.endswith("." + e.domain))]
    if bad:
        raise BlocklistError(f"line {bad[0].line}: {bad[0].domain} is this instance's own domain; "
                             "nothing was imported")
    stored = {block.domain: block for block in await DomainBlock.all()}
    plan = ImportPlan()
    for entry in entries:
        block = stored.get(entry.domain)
        if block is None:
            plan.added.append(entry)
        elif (block.severity, block.reject_media, block.reject_reports) == (
                entry.severity, entry.reject_media, entry.reject_reports):
            plan.unchanged += 1
        elif update:
            plan.changed.append((block, entry))
        else:
            plan.kept.append((block, entry))
    return plan


async def apply_import(plan: ImportPlan, *, by: Account | None = None, source_name: str = "a list",
                       remote_media: RemoteMedia | None = None, source: str = "admin",
                       policy: DomainPolicy | None = None) -> None:
    """Write the plan in one transaction and apply what the new and changed blocks do to
    the accounts stored here (only blocks covering a known host cost more than a row)."""
    from tortoise.transactions import in_transaction

    from fediserver.models import Account, Delivery, DomainBlock
    from fediserver.moderation.domain_blocks import (
        DomainPolicy, DomainRule, apply_blocks, domain_policy, record_domain_action,
    )

    if not plan.added and not plan.changed:
        return
    policy = policy or domain_policy()
    remote_media = remote_media or policy.remote_media
    touched = DomainPolicy()
    touched.load(DomainRule(e.domain, e.severity, e.reject_media, e.reject_reports)
                 for e in [*plan.added, *(entry for _block, entry in plan.changed)])
    known_hosts = {*await Account.exclude(domain="").distinct().values_list("domain", flat=True),
                   *await Delivery.filter(state="queued").distinct().values_list("domain", flat=True)}
    affected = list({rule.domain for host in known_hosts if (rule := touched.rule_for(host)) is not None})
    async with in_transaction():
        await DomainBlock.bulk_create([DomainBlock(domain=e.domain, source=source, **e.values()) for e in plan.added],
                                      batch_size=1000, ignore_conflicts=True)  # another process, first
        for block, entry in plan.changed:
            for key, value in entry.values().items():
                setattr(block, key, value)
            await block.save()
        for start in range(0, len(affected), 500):
            await apply_blocks(await DomainBlock.filter(domain__in=affected[start:start + 500]),
                               remote_media=remote_media)
    await policy.changed()
    await record_domain_action(by, "import_domain_blocks", source_name, {
        "added": [e.domain for e in plan.added], "changed": [b.domain for b, _e in plan.changed],
    })
