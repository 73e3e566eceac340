"""Live updates for client apps, as Mastodon's streaming API sends them.

- ``streams``: the stream names a client may subscribe to, and what each needs.
- ``hub``: this process's open connections and, for every event of
  ``fediserver.event_bus``, who hears it and the message they get.

The endpoints (WebSocket and server-sent events) are ``fediserver.api.streaming``.
"""
