"""The shell that assembles fediserver.

It owns configuration loading, the Quart app factory, the database models and their
migrations, the command line, the ActivityPub actor/collection/discovery routes, web
pages and the client API. It may import every other room; none of them imports it,
except for ``fediserver.models`` (inbox, outbox) and ``fediserver.config`` (media).
"""

__version__ = "0.1.0"
