"""Everything that arrives from other servers.

The inbox endpoints, signature verification, de-duplication, the durable inbound
queue and one handler per activity type.
"""
