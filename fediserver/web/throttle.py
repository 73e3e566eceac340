"""Throttling password guesses: per account and per address, across every web process.

Each failed sign-in is a row (the name tried and the address, an IPv6 client counted by
its /64). Once a name or an address has ``attempts`` failures within the window, sign-in
for it waits until the oldest of them leaves the window, without the password being
checked. A successful sign-in clears the account's failures.
"""

from __future__ import annotations

import math
from datetime import timedelta

from fediserver.config import AuthSettings
from fediserver.models import SignInFailure
from fediserver.clock import utcnow
from media.rate_limit import client_key


class SignInThrottle:
    def __init__(self, settings: AuthSettings) -> None:
        self.per_account = settings.sign_in_attempts_per_account
        self.per_address = settings.sign_in_attempts_per_address
        self.window = timedelta(minutes=settings.sign_in_window_minutes)

    async def wait_seconds(self, username: str, remote_addr: str | None) -> int:
        """0 if this name may try from this address now, else how long to wait."""
        since = utcnow() - self.window
        waits = [
            await self._wait(SignInFailure.filter(username=_name(username), created_at__gt=since), self.per_account),
            await self._wait(SignInFailure.filter(address=client_key(remote_addr), created_at__gt=since),
                             self.per_address),
        ]
        return max(waits)

    async def _wait(self, failures, limit: int) -> int:
        times = await failures.order_by("-created_at").limit(limit).values_list("created_at", flat=True)
        if len(times) < limit:
            return 0
        return max(1, math.ceil((times[-1] + self.window - utcnow()).total_seconds()))

    async def failed(self, username: str, remote_addr: str | None) -> None:
        await SignInFailure.filter(created_at__lte=utcnow() - self.window).delete()
        await SignInFailure.create(username=_name(username), address=client_key(remote_addr))

    async def succeeded(self, username: str) -> None:
        await SignInFailure.filter(username=_name(username)).delete()


def _name(username: str) -> str:
    return username.strip().lower()[:255]
