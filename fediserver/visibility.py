"""Who may see a post: the one rule every reader of posts goes through.

``may_read(post, reader)``: public and unlisted posts are for everyone; a followers-only
post for its author, her accepted followers and the accounts it names (mentioned,
addressed, or whose personal inbox it was delivered to: ``Post.recipients``); a direct
post for its author and the accounts it names.
"""

from __future__ import annotations

from fediserver.models import Account, Follow, FollowState, Post, Visibility


async def may_read(post: Post, reader: Account | None) -> bool:
    if post.visibility in (Visibility.PUBLIC, Visibility.UNLISTED):
        return True
    if reader is None:
        return False
    if post.account_id == reader.pk:
        return True
    addressed = reader.uri in (post.recipients or []) or any(tag.get("href") == reader.uri for tag in post.tags)
    if post.visibility == Visibility.PRIVATE:
        follows = await Follow.filter(follower=reader, target_id=post.account_id, state=FollowState.ACCEPTED).exists()
        return follows or addressed
    return addressed
