"""Everything that leaves for other servers.

Turning a local action into an activity, addressing, fan-out to (shared) inboxes,
the durable delivery queue and its workers, retries and host health.
"""
