"""HTTP routes of the shell: health, discovery (WebFinger, NodeInfo), actors and their
collections and posts, and what those share (content negotiation, authorized fetch)."""
