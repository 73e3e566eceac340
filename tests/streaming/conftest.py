"""The streaming tests run on the client API rig: fediserver served by a real Hypercorn
(``served``) and local artists with tokens and Mastodon.py (``make_artist``)."""

from tests.api.conftest import make_artist, served  # noqa: F401 (fixtures)
