"""Joining the collective: sign-ups under ``registrations.mode``.

``open``: the account is made at once, and the instance's admins are told (an
``admin.sign_up`` notification). ``approval``: a ``Registration`` waits until an
admin approves it (``fediserver registration approve NAME`` or the admin page), which
makes the account with the password chosen at sign-up; rejecting keeps the name free.
``closed``: nobody signs up; accounts come from ``fediserver account create``.
"""

from __future__ import annotations

from fediserver.clock import utcnow
from fediserver.local_accounts import AccountError, create_local_account, hash_password, validate_username
from fediserver.models import Account, Registration, RegistrationState
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.interactions import NotificationKind, notify_admins
from fediserver.urls import InstanceUrls

MIN_PASSWORD = 10


class SignUpRefused(ValueError):
    """A sign-up that cannot go on; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


async def check_name(username: str) -> None:
    try:
        validate_username(username)
    except AccountError as error:
        raise SignUpRefused("username", str(error)) from None
    if username.lower() == "actor" or await Account.exists(username=username, domain=LOCAL_DOMAIN) or \
            await Registration.exists(username=username, state=RegistrationState.PENDING):
        raise SignUpRefused("username", f"The name {username!r} is taken; choose another.")


def check_password(password: str, again: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise SignUpRefused("password", f"Use at least {MIN_PASSWORD} characters.")
    if password != again:
        raise SignUpRefused("password_again", "The two passwords are not the same.")


async def sign_up_now(urls: InstanceUrls, username: str, password: str) -> Account:
    """Open registrations: the account, made now; the admins are told (``admin.sign_up``)."""
    try:
        account = await create_local_account(urls, username, password=password)
    except AccountError as error:
        raise SignUpRefused("username", str(error)) from None
    await notify_admins(account, NotificationKind.ADMIN_SIGN_UP)
    return account


async def ask_to_join(username: str, password: str, email: str, reason: str) -> Registration:
    """Registrations by approval: the request, waiting for an admin."""
    await Registration.filter(username=username).exclude(state=RegistrationState.PENDING).delete()
    return await Registration.create(username=username, email=email, password_hash=hash_password(password),
                                     reason=reason)


async def pending() -> list[Registration]:
    return await Registration.filter(state=RegistrationState.PENDING).order_by("id")


async def approve(urls: InstanceUrls, registration: Registration) -> Account:
    """Make the account the registration asked for, with its chosen password."""
    if registration.state != RegistrationState.PENDING:
        raise SignUpRefused("username", f"the request of {registration.username!r} was already {registration.state}")
    account = await create_local_account(urls, registration.username)
    account.password_hash = registration.password_hash
    await account.save(update_fields=["password_hash"])
    registration.state, registration.decided_at = RegistrationState.APPROVED, utcnow()
    registration.password_hash = ""
    await registration.save()
    return account


async def reject(registration: Registration) -> None:
    registration.state, registration.decided_at = RegistrationState.REJECTED, utcnow()
    registration.password_hash = ""
    await registration.save()
