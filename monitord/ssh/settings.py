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

    port: int = Field(default=22, ge=1, le=65535, description="SSH port.")
    username: str = Field(default="monitord", min_length=1, description="Login name.")
    client_keys: tuple[Path, ...] = Field(
        default=(),
        description="Private key files; empty: asyncssh's defaults (~/.ssh/id_* of the daemon's user).",
    )
    key_passphrase: Secret | None = Field(default=None, description="Passphrase of the keys (secret).")
    password: Secret | None = Field(default=None, description="Password authentication (secret); optional.")
    known_hosts: Path | None = Field(
        default=None,
        description="OpenSSH known_hosts file the server's host key must be in; none: "
        "<daemon.state_dir>/ssh_known_hosts.",
    )
    trust_on_first_use: bool = Field(
        default=False,
        description="Trust a server with no entry once and append its key; a changed key is always refused.",
    )
    match_portless_known_hosts: bool = Field(
        default=False,
        description="For a port other than 22, also accept entries written without the port "
        "(asyncssh's behaviour; OpenSSH's is not to).",
    )
    connect_timeout: PositiveDuration = Field(
        default=10.0, description="Bound on TCP connect, SSH handshake and authentication."
    )
    keepalive_interval: PositiveDuration = Field(
        default=30.0,
        description="SSH keepalives on the pooled connection; a dead one is noticed after 3 missed.",
    )

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
