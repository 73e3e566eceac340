"""Blocklists in and out: the formats as their sources publish them (tests/fixtures/
blocklists), the most lenient entry winning, malformed lines named, an import that is
all or nothing, the dry run, and the export read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fediserver.models import Account, DomainBlock
from fediserver.models.domain_blocks import Severity
from fediserver.moderation.blocklists import (
    BlocklistError, apply_import, export_csv, parse_blocklist, plan_import,
)
from fediserver.moderation.domain_blocks import block_domain
from tests.inbox.support import remote_actor
from tests.test_cli import fediserver, instance  # noqa: F401 (the fixture)

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "blocklists"
DOCS_DOMAINS = ["bumfaces.net", "peepee.poopoo", "nothanks.com"]


@pytest.mark.parametrize("name", ["gotosocial-docs.csv", "gotosocial-docs.json", "gotosocial-docs.txt"])
def test_each_published_format_gives_the_same_suspensions(name):
    entries = parse_blocklist((SAMPLES / name).read_text(), name=name)
    assert [(e.domain, e.severity) for e in entries] == [(d, Severity.SUSPEND) for d in DOCS_DOMAINS]
    if not name.endswith(".txt"):
        assert [e.public_comment for e in entries] == ["big jerks", "harassment", ""]


def test_a_header_without_hashes_reads_every_column():
    entries = parse_blocklist((SAMPLES / "headers-without-hash.csv").read_text())
    assert [(e.domain, e.severity, e.reject_media, e.reject_reports) for e in entries] == [
        ("bumfaces.net", Severity.SILENCE, True, False),
        ("peepee.poopoo", Severity.SUSPEND, False, False),
        ("nothanks.com", Severity.NOOP, False, True),
    ]


def test_a_domain_listed_twice_keeps_its_most_lenient_entry():
    text = "\n".join([
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate",
        "a.example,suspend,true,true,first,false",
        "A.example,silence,true,false,second,false",
        "b.example,silence,false,false,,false",
        "b.example,noop,true,false,,false",
    ])
    entries = {e.domain: e for e in parse_blocklist(text)}
    assert (entries["a.example"].severity, entries["a.example"].reject_media, entries["a.example"].reject_reports,
            entries["a.example"].public_comment) == (Severity.SILENCE, True, False, "second")
    assert (entries["b.example"].severity, entries["b.example"].reject_media) == (Severity.NOOP, False)


@pytest.mark.parametrize("text, message", [
    ("#domain,#severity\nok.example,suspend\nbad.example,nuke\n", "line 3: severity 'nuke' is not suspend"),
    ("#domain,#severity,#reject_media\nok.example,suspend,perhaps\n", "line 2: reject_media 'perhaps' is not true"),
    ("#domain,#colour\nok.example,red\n", "line 1: unknown column 'colour'"),
    ("ok.example\n\nnot a domain\n", "line 3: 'not a domain' is not one domain"),
    ("domain,severity\nok.example,noop\n,suspend\n", "line 3: no domain"),
    ('[{"domain": "ok.example"}, {"domain": "b*d.example"}]', "entry 2: 'b*d.example' is obfuscated"),
    ('[{"domain": "ok.example"},', "line 1: not valid JSON"),
])
def test_a_malformed_line_is_named_with_what_is_wrong(text, message):
    with pytest.raises(BlocklistError, match="nothing was imported") as raised:
        parse_blocklist(text, name="shared list")
    assert message in str(raised.value)


def test_the_export_is_mastodons_csv_and_reads_back(policy):
    blocks = [DomainBlock(domain="b.example", severity="silence", reject_media=True, public_comment="a, b"),
              DomainBlock(domain="a.example", severity="suspend")]
    text = export_csv(blocks)
    assert text.splitlines()[:2] == [
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate",
        "a.example,suspend,false,false,,false",
    ]
    assert [(e.domain, e.severity, e.reject_media, e.public_comment) for e in parse_blocklist(text)] == [
        ("a.example", Severity.SUSPEND, False, ""), ("b.example", Severity.SILENCE, True, "a, b")]


async def test_an_import_adds_keeps_and_applies(policy):
    nothanks = await remote_actor("https://nothanks.com/users/n")
    await block_domain("bumfaces.net", severity="noop")
    entries = parse_blocklist((SAMPLES / "gotosocial-docs.csv").read_text())

    plan = await plan_import(entries, own_domain="art.example")
    assert [e.domain for e in plan.added] == ["peepee.poopoo", "nothanks.com"]
    assert [b.domain for b, _e in plan.kept] == ["bumfaces.net"]
    await apply_import(plan)

    rows = dict(await DomainBlock.all().values_list("domain", "severity"))
    assert rows == {"bumfaces.net": Severity.NOOP, "peepee.poopoo": Severity.SUSPEND, "nothanks.com": Severity.SUSPEND}
    assert (await Account.get(id=nothanks.pk)).suspended
    assert policy.suspends("nothanks.com") and not policy.suspends("bumfaces.net")

    updating = await plan_import(entries, update=True)
    assert [b.domain for b, _e in updating.changed] == ["bumfaces.net"]


async def test_a_list_naming_the_own_domain_imports_nothing(policy):
    entries = parse_blocklist("ok.example\nexample\n")
    with pytest.raises(BlocklistError, match="line 2: example is this instance's own domain"):
        await plan_import(entries, own_domain="art.example")
    assert not await DomainBlock.exists()


def test_the_command_line_import_shows_a_dry_run_refuses_bad_lists_and_exports(instance, tmp_path):
    dry = fediserver(instance, "domain", "import", str(SAMPLES / "headers-without-hash.csv"), "--dry-run")
    assert "+ bumfaces.net silence (reject_media)" in dry.stdout
    assert "3 to add, 0 to change" in dry.stdout and "dry run: nothing was changed" in dry.stdout

    bad = tmp_path / "bad.txt"
    bad.write_text("fine.example\nnot a domain\n")
    refused = fediserver(instance, "domain", "import", str(bad), check=False)
    assert refused.returncode == 1 and "line 2: 'not a domain' is not one domain" in refused.stderr

    fediserver(instance, "domain", "import", str(SAMPLES / "gotosocial-docs.json"))
    fediserver(instance, "domain", "block", "bumfaces.net", "--severity", "silence", "--reject-media")
    exported = fediserver(instance, "domain", "export").stdout
    assert exported.splitlines() == [
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate",
        "bumfaces.net,silence,true,false,,false",
        "nothanks.com,suspend,false,false,,false",
        "peepee.poopoo,suspend,false,false,harassment,false",
    ]


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(
    st.text(max_size=300),
    st.lists(st.lists(st.sampled_from(["a.example", "suspend", "silence", "true", "#domain", "x y", "", "*.b", "é.example",
                                       '"q,uoted"', "[", "{}", "0"]), max_size=7), max_size=8)
    .map(lambda rows: "\n".join(",".join(row) for row in rows)),
), fmt=st.sampled_from(["auto", "csv", "json", "text"]))
@example(text="\r0", fmt="csv")  # a line ending in a bare carriage return (an old Mac's lists)
@example(text='"a.example\rx', fmt="csv")
def test_any_text_is_a_list_or_a_refusal_naming_where(text, fmt):
    try:
        entries = parse_blocklist(text, fmt=fmt)
    except BlocklistError as refusal:
        assert "nothing was imported" in str(refusal)
    else:
        assert len({e.domain for e in entries}) == len(entries)
