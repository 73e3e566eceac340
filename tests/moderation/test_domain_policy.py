"""The one door about other servers: lookups by host and parents, allowlist mode, the
instance's own domain, the writers, the config file's blocks, and a change made by
one process seen by another."""

from __future__ import annotations

import pytest

from fediserver.config import ConfigError, settings_from_dict
from fediserver.models import DomainAllow, DomainBlock
from fediserver.models.domain_blocks import BlockSource, Severity
from fediserver.moderation.domain_blocks import (
    DomainError, DomainPolicy, DomainRule, block_domain, normalise_domain, sync_config_blocks, unblock_domain,
)
from tests.conftest import make_settings


def loaded(*rules: DomainRule, allowed=(), allowlist=False) -> DomainPolicy:
    policy = DomainPolicy("art.example", allowlist=allowlist)
    policy.load(rules, allowed)
    return policy


def test_a_block_covers_its_subdomains_and_ports_but_not_lookalikes():
    policy = loaded(DomainRule("bad.example", Severity.SUSPEND, False, False))
    assert policy.suspends("bad.example") and policy.suspends("media.bad.example:8443")
    assert policy.suspends("BAD.Example")
    assert not policy.suspends("notbad.example") and not policy.suspends("bad.example.org")
    assert policy.refusal("cdn.bad.example") == "bad.example is suspended by a domain block"


def test_each_severity_and_flag_answers_its_own_question():
    policy = loaded(
        DomainRule("loud.example", Severity.SILENCE, False, False),
        DomainRule("pics.example", Severity.NOOP, True, False),
        DomainRule("flags.example", Severity.NOOP, False, True),
        DomainRule("gone.example", Severity.SUSPEND, False, False),
    )
    assert policy.silences("loud.example") and not policy.suspends("loud.example")
    assert policy.refusal("loud.example") is None and policy.media_refusal("loud.example") is None
    assert policy.rejects_media("pics.example") and policy.refusal("pics.example") is None
    assert policy.media_refusal("a.pics.example") == "media from pics.example is rejected by a domain block"
    assert policy.rejects_reports("flags.example") and not policy.rejects_media("flags.example")
    assert policy.rejects_media("gone.example") and policy.rejects_reports("gone.example")
    assert policy.limited_domains == ("loud.example",)


def test_the_most_specific_block_decides():
    policy = loaded(DomainRule("example", Severity.SUSPEND, False, False),
                    DomainRule("ok.example", Severity.NOOP, False, False))
    assert not policy.suspends("ok.example") and policy.suspends("other.example")


def test_allowlist_mode_federates_only_with_allowed_domains_and_a_block_still_wins():
    policy = loaded(DomainRule("bad.friends.example", Severity.SUSPEND, False, False),
                    allowed=["friends.example"], allowlist=True)
    assert not policy.suspends("friends.example") and not policy.suspends("a.friends.example:443")
    assert policy.suspends("stranger.example")
    assert policy.refusal("stranger.example") == "stranger.example is not on this instance's allowlist"
    assert policy.suspends("bad.friends.example")
    assert not policy.suspends("art.example")  # never ourselves


@pytest.mark.parametrize("text, expected", [
    ("Bad.Example.", "bad.example"), ("https://bad.example/about", "bad.example"), ("*.bad.example", "bad.example"),
    ("bad.example:8443", "bad.example"), ("bücher.example", "xn--bcher-kva.example"),
])
def test_domains_are_read_the_way_admins_write_them(text, expected):
    assert normalise_domain(text) == expected


@pytest.mark.parametrize("text", ["", "not a domain", "bad..example", "a" * 64 + ".example"])
def test_what_is_not_a_domain_is_refused(text):
    with pytest.raises(DomainError):
        normalise_domain(text)


async def test_the_own_domain_cannot_be_blocked(policy):
    with pytest.raises(DomainError, match="own domain"):
        await block_domain("art.example")
    with pytest.raises(DomainError, match="own domain"):
        await block_domain("example")  # a parent would cover us
    assert not await DomainBlock.exists()


async def test_a_block_made_in_one_process_reaches_another_at_its_next_refresh(policy):
    other = DomainPolicy("art.example", reload_seconds=3600, clock=lambda: now[0])
    now = [0.0]
    await other.refresh()
    await block_domain("bad.example", severity="silence")
    assert policy.silences("bad.example")  # this process: at once
    await other.refresh()
    assert not other.silences("bad.example")  # within reload_seconds: not even a read
    now[0] = 3601.0
    await other.refresh()
    assert other.silences("bad.example")
    await unblock_domain("bad.example")
    now[0] = 7202.0
    await other.refresh()
    assert not other.silences("bad.example")


async def test_changing_a_block_keeps_one_row(policy):
    await block_domain("bad.example", severity="silence", public_comment="spam")
    await block_domain("bad.example", severity="suspend", reject_reports=True)
    block = await DomainBlock.get()
    assert (block.severity, block.reject_reports, block.public_comment) == (Severity.SUSPEND, True, "")
    assert policy.suspends("bad.example")


async def test_the_config_files_blocks_and_lists_are_kept_in_step(policy, tmp_path):
    (tmp_path / "tier0.txt").write_text("# shared list\nlist.example\n")
    raw = {"blocks": [{"domain": "inline.example", "severity": "silence", "reject_media": True}],
           "block_lists": ["tier0.txt"], "allowed_domains": ["friends.example"]}
    settings = settings_from_dict({"instance": {"domain": "art.example"}, "moderation": raw},
                                  base_dir=tmp_path, environ={})
    await block_domain("admin.example", severity="noop")

    await sync_config_blocks(settings)
    rows = {b.domain: (b.severity, b.reject_media, b.source) for b in await DomainBlock.all()}
    assert rows == {
        "inline.example": (Severity.SILENCE, True, BlockSource.CONFIG),
        "list.example": (Severity.SUSPEND, False, BlockSource.CONFIG),
        "admin.example": (Severity.NOOP, False, BlockSource.ADMIN),
    }
    assert await DomainAllow.filter(domain="friends.example", source=BlockSource.CONFIG).exists()
    assert policy.silences("inline.example") and policy.suspends("list.example")

    (tmp_path / "tier0.txt").write_text("")
    await sync_config_blocks(settings.model_copy(update={"moderation": settings.moderation.model_copy(
        update={"allowed_domains": ()})}))
    assert set(await DomainBlock.all().values_list("domain", flat=True)) == {"inline.example", "admin.example"}
    assert not await DomainAllow.exists()
    assert not policy.suspends("list.example")


@pytest.mark.parametrize("moderation, key", [
    ({"blocks": [{"domain": "x.example", "severity": "ban"}]}, "moderation.blocks.0.severity"),
    ({"blocks": [{"domain": "art.example"}]}, "moderation.blocks.0.domain"),
    ({"blocks": [{"domain": "https://x.example/"}]}, "moderation.blocks.0.domain"),
    ({"allowed_domains": "friends.example"}, "moderation.allowed_domains"),
    ({"federation_mode": "whitelist"}, "moderation.federation_mode"),
    ({"expose_domain_blocks": "all"}, "moderation.expose_domain_blocks"),
    ({"block_lists": ["missing.csv"]}, "moderation.block_lists.0"),
])
def test_config_errors_name_the_key(moderation, key, tmp_path):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        make_settings(moderation=moderation)


def test_a_bad_line_in_a_config_list_file_names_the_key_the_file_and_the_line(tmp_path):
    (tmp_path / "shared.csv").write_text("#domain,#severity\nok.example,suspend\nbad.example,obliterate\n")
    with pytest.raises(ConfigError, match=r"moderation\.block_lists\.0: shared\.csv: line 3: severity 'obliterate'"):
        settings_from_dict({"instance": {"domain": "art.example"}, "moderation": {"block_lists": ["shared.csv"]}},
                           base_dir=tmp_path, environ={})
