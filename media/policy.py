"""The protection policy that applies to one artist: the instance's, tightened by the artist's own.

Artists may choose stricter settings than their instance, never looser ones; a
looser choice is ignored rather than refused, so changing the instance's rules
never breaks a saved artist preference.
"""

from __future__ import annotations

from dataclasses import dataclass

from media.metadata import DATA_MINING_VALUES
from media.provenance import POLICIES, Policy

# plus:DataMining values from least to most restrictive. The "see ..." values point
# to other fields and cannot be ranked, so only an instance may choose them.
DATA_MINING_STRICTNESS = (
    "DMI-ALLOWED",
    "DMI-UNSPECIFIED",
    "DMI-PROHIBITED-GENAIMLTRAINING",
    "DMI-PROHIBITED-AIMLTRAINING",
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
    "DMI-PROHIBITED",
)


@dataclass(frozen=True)
class ProtectionPolicy:
    ai_generated_local: Policy = "reject"  # uploads by this instance's artists
    ai_generated_remote: Policy = "label"  # media arriving from other servers
    data_mining: str = "DMI-PROHIBITED-AIMLTRAINING"

    def __post_init__(self) -> None:
        for name in ("ai_generated_local", "ai_generated_remote"):
            if getattr(self, name) not in POLICIES:
                raise ValueError(f"{name}: must be one of {', '.join(POLICIES)}, not {getattr(self, name)!r}")
        if self.data_mining not in DATA_MINING_VALUES:
            raise ValueError(f"data_mining: unknown plus:DataMining value {self.data_mining!r}")


@dataclass(frozen=True)
class ArtistProtection:
    """An artist's own choices; ``None`` means "as the instance says"."""

    ai_generated_local: Policy | None = None
    ai_generated_remote: Policy | None = None
    data_mining: str | None = None

    @classmethod
    def from_overrides(cls, overrides: dict) -> ArtistProtection:
        """Read the artist's stored overrides; keys for other features are ignored."""
        return cls(**{name: overrides.get(name) for name in ("ai_generated_local", "ai_generated_remote", "data_mining")})


def _stricter_policy(instance: Policy, artist: Policy | None) -> Policy:
    if artist is None or artist not in POLICIES:
        return instance
    return max(instance, artist, key=POLICIES.index)


def _stricter_data_mining(instance: str, artist: str | None) -> str:
    if artist not in DATA_MINING_STRICTNESS or instance not in DATA_MINING_STRICTNESS:
        return instance
    return max(instance, artist, key=DATA_MINING_STRICTNESS.index)


def effective_policy(instance: ProtectionPolicy, artist: ArtistProtection) -> ProtectionPolicy:
    """The instance policy with each of the artist's stricter choices applied."""
    return ProtectionPolicy(
        ai_generated_local=_stricter_policy(instance.ai_generated_local, artist.ai_generated_local),
        ai_generated_remote=_stricter_policy(instance.ai_generated_remote, artist.ai_generated_remote),
        data_mining=_stricter_data_mining(instance.data_mining, artist.data_mining),
    )
