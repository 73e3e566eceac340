"""The database models: one module per kind of thing the instance remembers.

Tortoise discovers the models through this package, and migrations in
``fediserver/migrations`` are generated from them.
"""

from fediserver.models.accounts import Account
from fediserver.models.audit import AuditEntry
from fediserver.models.content import (
    Addressee, MediaAttachment, Post, QuotePolicy, QuoteState, RemoteMediaState, Visibility,
)
from fediserver.models.client_state import (
    AccountList, AccountNote, Filter, FilterAction, FilterKeyword, FilterStatus, FollowedTag, ListMember, Marker,
    RepliesPolicy, SuggestionDismissal,
)
from fediserver.models.interactions import (
    Block, Favourite, Mute, Notification, NotificationKind, Reaction, Report, ReportCategory,
)
from fediserver.models.polls import Poll, PollVote
from fediserver.models.domain_blocks import BlockSource, DomainAllow, DomainBlock, DomainPolicyVersion, Severity
from fediserver.models.profile_features import AccountEndorsement, FeaturedTag
from fediserver.models.portfolio import Series, SeriesWork, Work
from fediserver.models.scheduled import ScheduledStatus
from fediserver.models.post_edits import PostEdit
from fediserver.models.reader_marks import Bookmark, ConversationMark, ConversationMute
from fediserver.models.registrations import Registration, RegistrationState
from fediserver.models.federation_state import (
    Activity, Delivery, DeliveryState, Domain, FetchKind, FetchState, FetchTask, InboundItem, InboundState,
)
from fediserver.models.oauth import ApiToken, AuthorizationCode, OAuthApp
from fediserver.models.queue import QueueWorker
from fediserver.models.sessions import SignInFailure, WebSession
from fediserver.models.social import Follow, FollowState
from fediserver.models.web_push import PushPolicy, VapidKey, WebPushDelivery, WebPushSubscription

__all__ = [
    "Account",
    "AccountEndorsement",
    "AccountList",
    "AccountNote",
    "Filter",
    "FeaturedTag",
    "FilterAction",
    "FilterKeyword",
    "FilterStatus",
    "FollowedTag",
    "ListMember",
    "Marker",
    "Mute",
    "RepliesPolicy",
    "SuggestionDismissal",
    "Activity",
    "Addressee",
    "AuditEntry",
    "Block",
    "Bookmark",
    "ConversationMark",
    "ConversationMute",
    "BlockSource",
    "DomainAllow",
    "DomainBlock",
    "DomainPolicyVersion",
    "Severity",
    "Favourite",
    "Notification",
    "NotificationKind",
    "Reaction",
    "Registration",
    "RegistrationState",
    "Series",
    "SeriesWork",
    "Work",
    "SignInFailure",
    "Report",
    "ReportCategory",
    "ApiToken",
    "AuthorizationCode",
    "Delivery",
    "DeliveryState",
    "Domain",
    "FetchKind",
    "FetchState",
    "FetchTask",
    "Follow",
    "FollowState",
    "InboundItem",
    "InboundState",
    "MediaAttachment",
    "OAuthApp",
    "Poll",
    "PollVote",
    "Post",
    "PostEdit",
    "RemoteMediaState",
    "ScheduledStatus",
    "QueueWorker",
    "QuotePolicy",
    "QuoteState",
    "Visibility",
    "WebSession",
    "PushPolicy",
    "VapidKey",
    "WebPushDelivery",
    "WebPushSubscription",
]
