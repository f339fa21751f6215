"""The identity of one pooled SSH connection, free of any settings machinery."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr


@dataclass(frozen=True, slots=True)
class SshEndpoint:
    """Everything that identifies one pooled connection (hashable; secrets stay masked)."""

    host: str
    port: int
    username: str
    client_keys: tuple[Path, ...]
    key_passphrase: SecretStr | None
    password: SecretStr | None
    known_hosts: Path
    trust_on_first_use: bool
    match_portless: bool
    connect_timeout: float
    keepalive_interval: float

    def label(self) -> str:
        """``user@host:port`` for messages and metrics; never includes a secret."""
        return f"{self.username}@{self.host}:{self.port}"
