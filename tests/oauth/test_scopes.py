"""The scope rule: what each scope covers, and reading scopes as clients send them."""

from __future__ import annotations

import pytest

from fediserver.oauth.scopes import ALL_SCOPES, ScopeError, covers, parse_scopes, within


@pytest.mark.parametrize(("granted", "wanted", "allowed"), [
    ({"read"}, "read:statuses", True),
    ({"read"}, "write:statuses", False),
    ({"read:statuses"}, "read:statuses", True),
    ({"read:statuses"}, "read:notifications", False),
    ({"read:statuses"}, "read", False),
    ({"write"}, "write:media", True),
    ({"follow"}, "write:follows", True),
    ({"follow"}, "read:blocks", True),
    ({"follow"}, "write:statuses", False),
    ({"read", "write"}, "push", False),
    ({"profile"}, "read:accounts", False),
    ({"admin:read"}, "admin:read:reports", True),
    ({"admin:read"}, "admin:write:reports", False),
    ({"read"}, "admin:read:accounts", False),
])
def test_a_scope_covers_its_own_sub_scopes_only(granted, wanted, allowed):
    assert covers(granted, wanted) is allowed


def test_scopes_are_read_as_clients_send_them():
    assert parse_scopes("read write follow push") == ("read", "write", "follow", "push")
    assert parse_scopes("read+write") == ("read", "write")
    assert parse_scopes(["read", "write read"]) == ("read", "write")
    assert parse_scopes(None) == ("read",) and parse_scopes("  ") == ("read",)
    with pytest.raises(ScopeError, match="unknown scope: read:everything"):
        parse_scopes("read read:everything")


def test_a_request_must_stay_within_the_apps_scopes():
    assert within(["read:statuses", "write:media"], ["read", "write"])
    assert not within(["read", "push"], ["read", "write"])
    assert set(ALL_SCOPES) >= {"read", "write", "follow", "push", "profile", "admin:read", "admin:write:accounts"}
