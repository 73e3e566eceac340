"""Token buckets for anonymous media downloads, driven by a hand-moved clock."""

from __future__ import annotations

import pytest

from media.rate_limit import TokenBuckets, client_key, retry_after_seconds


class HandClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"),
        ("[2001:db8:aa:bb::9]", "2001:db8:aa:bb::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        (None, "unknown"),
        ("", "unknown"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_client_keys(address, key):
    assert client_key(address) == key


def test_burst_then_refusal_then_refill():
    clock = HandClock()
    buckets = TokenBuckets(per_minute=60, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = buckets.take("a")
    assert wait == pytest.approx(1.0)
    assert retry_after_seconds(wait) == 1
    clock.now += 1.0
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    clock.now += 3600
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]


def test_refused_requests_do_not_dig_a_deeper_hole():
    clock = HandClock()
    buckets = TokenBuckets(per_minute=6, burst=1, clock=clock)
    buckets.take("a")
    waits = [buckets.take("a") for _ in range(50)]
    assert max(waits) == pytest.approx(10.0)
    clock.now += 10.0
    assert buckets.take("a") == 0.0


def test_clients_do_not_share_buckets():
    buckets = TokenBuckets(per_minute=1, burst=1, clock=HandClock())
    assert buckets.take("a") == 0.0
    assert buckets.take("b") == 0.0
    assert buckets.take("a") > 0


def test_memory_is_bounded_and_the_quietest_client_goes_first():
    clock = HandClock()
    buckets = TokenBuckets(per_minute=1, burst=1, max_clients=100, clock=clock)
    buckets.take("busy")
    for number in range(1000):
        buckets.take(f"client-{number}")
        if number % 10 == 0:
            buckets.take("busy")
        assert len(buckets) <= 100
    assert buckets.take("busy") > 0  # still remembered, still empty
    assert buckets.take("client-0") == 0.0  # forgotten long ago


@pytest.mark.parametrize("arguments", [(0, 1), (1, 0), (-5, 3)])
def test_impossible_limits_are_refused(arguments):
    with pytest.raises(ValueError, match="at least 1"):
        TokenBuckets(*arguments)
