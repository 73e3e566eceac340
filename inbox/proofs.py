"""Checking an activity's Object Integrity Proof (FEP-8b32) against its actor's key.

``ProofChecker.check(activity)`` finds the key the proof names among the actor's
``assertionMethod`` keys (the stored actor document first; the actor is fetched again
once when the key is not there, for new or rotated keys) and verifies the proof with
``federation.integrity_proofs``. A proof proves the activity is its actor's whoever
delivered it: the inbox accepts a forwarded activity (signed by another server) on a
valid proof, without fetching the activity again from its origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from federation import vocab
from federation.integrity_proofs import ProofError, multikey_of, proof_key_id, verify_proof
from fediserver.models import Account
from inbox.remote_actors import RemoteActorError, RemoteActors


class ProofChecker:
    def __init__(self, remote_actors: RemoteActors) -> None:
        self._remote_actors = remote_actors

    async def check(self, activity: Mapping[str, Any]) -> str:
        """The key id of the activity's valid proof by its own actor; ``ProofError`` otherwise."""
        actor = activity.get("actor")
        actor = actor.get("id") if isinstance(actor, Mapping) else actor
        if not isinstance(actor, str):
            raise ProofError("the activity names no actor")
        key_id = proof_key_id(activity)
        if not vocab.same_origin(key_id, actor):
            raise ProofError(f"the proof's key {key_id} is not on its actor's server")
        verify_proof(activity, await self._key(actor, key_id))
        return key_id

    async def _key(self, actor: str, key_id: str):
        account = await Account.get_or_none(uri=actor)
        if account is not None and isinstance(account.document, dict):
            try:
                return multikey_of(account.document, key_id)
            except ProofError:
                pass  # a key added since we fetched the actor: fetch it again
        try:
            account = await self._remote_actors.fetch_actor(actor)
        except RemoteActorError as error:
            raise ProofError(f"the actor {actor} could not be fetched: {error}") from None
        return multikey_of(account.document or {}, key_id)
