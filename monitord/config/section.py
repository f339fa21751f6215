"""Base class of every configuration section: unknown keys are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A strict, immutable configuration section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def summary(self) -> list[str]:
        """Lines for ``monitord check-config``'s summary; empty when there is nothing to say."""
        return []
