"""Web Push (RFC 8030/8291/8292) for the Mastodon client API.

- ``keys``: the instance's VAPID key pair, made once and kept in the database.
- ``subscriptions``: checking what an app sends, the JSON Mastodon answers, and which
  subscriptions want a new notification (queued from ``notify``).
- ``sending``: the ``web-push`` job: payload, encryption, VAPID signature, the POST
  through the guarded HTTP client, and what each answer means for the queue row.

The endpoints are ``fediserver.api.push``.
"""
