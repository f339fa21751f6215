"""How to reach a server over SSH: the connection half of the ssh_log and backup settings.

Both probe kinds inherit these fields, so a site or group can set the user, key
and known_hosts once under ``probes.ssh_log`` / ``probes.backup``. Identical
connection fields give the same pool key, so the two kinds share one connection.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from monitord.config.durations import PositiveDuration
from monitord.config.secrets import Secret
from monitord.ssh.endpoint import SshEndpoint
from probes.base import ProbeSettings


class SshSettings(ProbeSettings):
    """Connection settings; the host is the target's ``address``."""

    port: int = Field(default=22, ge=1, le=65535)
    username: str = Field(default="monitord", min_length=1)
    client_keys: tuple[Path, ...] = ()
    key_passphrase: Secret | None = None
    password: Secret | None = None
    known_hosts: Path | None = None
    trust_on_first_use: bool = False
    match_portless_known_hosts: bool = False
    connect_timeout: PositiveDuration = 10.0
    keepalive_interval: PositiveDuration = 30.0

    def endpoint(self, address: str, default_known_hosts: Path) -> SshEndpoint:
        """The pool key for ``address`` with these settings."""
        return SshEndpoint(
            host=address,
            port=self.port,
            username=self.username,
            client_keys=self.client_keys,
            key_passphrase=self.key_passphrase,
            password=self.password,
            known_hosts=self.known_hosts or default_known_hosts,
            trust_on_first_use=self.trust_on_first_use,
            match_portless=self.match_portless_known_hosts,
            connect_timeout=self.connect_timeout,
            keepalive_interval=self.keepalive_interval,
        )
