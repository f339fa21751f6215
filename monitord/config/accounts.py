"""``accounts:``: sign-in sessions and the lockout after repeated failed sign-ins.

Accounts themselves live in the state store (``monitord users ...``), never in
this file: there is no default password and no account until an admin creates one.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from monitord.config.durations import Bounds, Duration
from monitord.config.section import Section


class LockoutConfig(Section):
    """After ``threshold`` failures in a row a name is locked; each further failure doubles the lock."""

    threshold: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Failed sign-ins in a row (per account name) before the name is locked.",
    )
    initial: Annotated[Duration, Bounds(1.0, 86400.0)] = Field(
        default=30.0,
        description="How long the first lock lasts; every failure after it doubles the lock, up to maximum.",
    )
    maximum: Annotated[Duration, Bounds(1.0, 7 * 86400.0)] = Field(
        default=3600.0, description="The longest a name stays locked after one failure."
    )
    reset_after: Annotated[Duration, Bounds(60.0, 30 * 86400.0)] = Field(
        default=86400.0,
        description="A name with no failure for this long starts counting from zero again "
        "(a successful sign-in resets it at once).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> LockoutConfig:
        if self.maximum < self.initial:
            raise ValueError("maximum must be at least initial")
        return self


class AccountsConfig(Section):
    """Sign-in sessions (the web console) and lockout."""

    session_lifetime: Annotated[Duration, Bounds(60.0, 30 * 86400.0)] = Field(
        default=12 * 3600.0,
        description="How long a sign-in session lasts from sign-in; then the person signs in again.",
    )
    session_idle: Annotated[Duration, Bounds(60.0, 30 * 86400.0)] = Field(
        default=2 * 3600.0,
        description="A session not used for this long ends early (at most session_lifetime).",
    )
    lockout: LockoutConfig = Field(
        default_factory=LockoutConfig,
        description="Lockout with exponential backoff after repeated failed sign-ins.",
    )
