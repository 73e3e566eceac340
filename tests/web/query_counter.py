"""Counting the SQL queries a request makes, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from contextlib import contextmanager

from tortoise import connections


@contextmanager
def counted_queries():
    """Yields a list that collects every SQL statement run on the default connection."""
    client = type(connections.get("default"))
    seen: list[str] = []
    originals = {name: getattr(client, name) for name in ("execute_query", "execute_query_dict")}

    def wrap(original):
        async def counting(self, query, values=None):
            seen.append(query)
            return await original(self, query, values)

        return counting

    for name, original in originals.items():
        setattr(client, name, wrap(original))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(client, name, original)
