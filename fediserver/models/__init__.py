"""The database models: one module per kind of thing the instance remembers.

Tortoise discovers the models through this package, and migrations in
``fediserver/migrations`` are generated from them.
"""

from fediserver.models.accounts import Account
from fediserver.models.audit import AuditEntry
from fediserver.models.content import Addressee, MediaAttachment, Post, QuotePolicy, QuoteState, Visibility
from fediserver.models.interactions import Block, Favourite, Notification, NotificationKind, Reaction, Report, ReportCategory
from fediserver.models.portfolio import Series, SeriesWork, Work
from fediserver.models.registrations import Registration, RegistrationState
from fediserver.models.federation_state import (
    Activity, Delivery, DeliveryState, Domain, FetchKind, FetchState, FetchTask, InboundItem, InboundState,
)
from fediserver.models.oauth import ApiToken, AuthorizationCode, OAuthApp
from fediserver.models.queue import QueueWorker
from fediserver.models.sessions import SignInFailure, WebSession
from fediserver.models.social import Follow, FollowState

__all__ = [
    "Account",
    "Activity",
    "Addressee",
    "AuditEntry",
    "Block",
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
    "Post",
    "QueueWorker",
    "QuotePolicy",
    "QuoteState",
    "Visibility",
    "WebSession",
]
