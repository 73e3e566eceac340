"""OAuth 2 as Mastodon serves it: who may act for an account, and within which scopes.

- ``scopes``: the scope vocabulary and its hierarchy (``read`` covers ``read:statuses``).
- ``clients``: registering apps, their redirect URIs, authenticating a client.
- ``tokens``: access tokens (issued, looked up by digest, revoked).
- ``codes``: authorization codes (single-use, short-lived, PKCE S256).
- ``apps``, ``authorize``, ``token``, ``userinfo``, ``metadata``, ``authorized_apps``: the
  endpoints and pages; ``endpoints.install_oauth`` registers them on the app.

Nothing here imports the client API's endpoints; the API asks ``tokens`` and ``scopes``
who is calling.
"""
