"""Who may act for an account: OAuth applications, authorization codes, access tokens.

Nothing secret is stored in the clear: client secrets, codes and tokens are kept as
SHA-256 digests, so a copy of the database opens no account. Apps are registered by
clients (``POST /api/v1/apps``); a code is what the consent page hands an app, redeemed
once for a token; a token acts for an account (or for the app alone, from the
``client_credentials`` grant) within its scopes until it is revoked.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OAuthApp(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=255)
    website = fields.CharField(max_length=2048, null=True)
    # One redirect URI per line, in the order the client registered them.
    redirect_uris = fields.TextField()
    scopes = fields.TextField()
    client_id = fields.CharField(max_length=64, unique=True)
    client_secret_digest = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "oauth_apps"

    @property
    def redirect_uri_list(self) -> list[str]:
        return [uri for uri in self.redirect_uris.split("\n") if uri]


class AuthorizationCode(Model):
    """What the consent page gives an app for one account: single-use, short-lived."""

    id = fields.BigIntField(primary_key=True)
    code_digest = fields.CharField(max_length=64, unique=True)
    app: fields.ForeignKeyRelation[OAuthApp] = fields.ForeignKeyField(
        "models.OAuthApp", related_name="codes", on_delete=fields.CASCADE
    )
    account = fields.ForeignKeyField("models.Account", related_name="authorization_codes", on_delete=fields.CASCADE)
    redirect_uri = fields.TextField()
    scopes = fields.TextField()
    # PKCE (S256): the challenge the app sent with the authorization request, if any.
    code_challenge = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_authorization_codes"


class ApiToken(Model):
    """A bearer token for the client API, stored only as a digest.

    It comes from an app's OAuth grant or from ``fediserver token create``. ``account`` is
    empty for a token an app holds for itself (``client_credentials``).
    """

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField(
        "models.Account", related_name="api_tokens", on_delete=fields.CASCADE, null=True
    )
    app = fields.ForeignKeyField("models.OAuthApp", related_name="tokens", on_delete=fields.CASCADE, null=True)
    name = fields.CharField(max_length=255, default="")
    token_digest = fields.CharField(max_length=64, unique=True)
    scopes = fields.TextField(default="read write follow")
    created_at = fields.DatetimeField(auto_now_add=True)
    # Stamped at most once an hour, so checking a token costs no write per request.
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"
