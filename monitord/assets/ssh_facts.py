"""What a server says it is over SSH: /etc/os-release and, where readable, DMI identity.

Files are read over the pooled connection's SFTP channel (the pool of the
ssh_log and backup kinds, with the target's credentials and host-key check), so
nothing runs in a shell. DMI's ``product_serial`` is readable by root only on
most systems: an unreadable or missing file is simply not a fact.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import asyncssh

from monitord.ssh.pool import HostSession, SshPool
from monitord.ssh.remote import read_small
from monitord.ssh.settings import SshSettings

OS_RELEASE = "/etc/os-release"
DMI_DIR = "/sys/class/dmi/id"
# os-release key -> fact
OS_KEYS = {"ID": "os_id", "NAME": "os_name", "VERSION_ID": "os_version", "PRETTY_NAME": "os_pretty_name"}
# DMI file -> fact
DMI_FILES = {
    "sys_vendor": "vendor",
    "product_name": "model",
    "product_serial": "serial",
    "product_version": "hardware_rev",
    "bios_version": "firmware_rev",
}
FILE_LIMIT = 16384
MAX_VALUE = 255
_PLACEHOLDERS = frozenset({"", "to be filled by o.e.m.", "default string", "not specified", "none", "0"})


def parse_os_release(text: str) -> dict[str, str]:
    """The facts of an os-release file (shell-style KEY=value lines, values maybe quoted)."""
    facts: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, raw = line.strip().partition("=")
        if not sep or key not in OS_KEYS:
            continue
        try:
            words = shlex.split(raw)
        except ValueError:
            continue
        value = " ".join(words).strip()[:MAX_VALUE]
        if value:
            facts[OS_KEYS[key]] = value
    return facts


def dmi_fact(text: str) -> str | None:
    """A DMI value, or None for the placeholders firmware writes when a field is not set."""
    value = text.strip()[:MAX_VALUE]
    return None if value.lower() in _PLACEHOLDERS else value


async def _read(session: HostSession, path: str) -> str | None:
    try:
        data = await read_small(await session.sftp(), path, FILE_LIMIT)
    except (asyncssh.SFTPError, OSError):
        return None
    return data.decode("utf-8", "replace")


async def read_facts(session: HostSession, os_release: str, dmi_dir: str) -> dict[str, str]:
    facts: dict[str, str] = {}
    text = await _read(session, os_release)
    if text is not None:
        facts.update(parse_os_release(text))
    for name, fact in DMI_FILES.items():
        found = await _read(session, f"{dmi_dir}/{name}")
        value = dmi_fact(found) if found is not None else None
        if value:
            facts[fact] = value
    return facts


async def discover_ssh(
    pool: SshPool,
    address: str,
    settings: SshSettings,
    known_hosts: Path,
    *,
    os_release: str = OS_RELEASE,
    dmi_dir: str = DMI_DIR,
) -> dict[str, str]:
    """The facts the server gives; raises SshUnavailable when it cannot be reached or trusted."""
    endpoint = settings.endpoint(address, known_hosts)

    async def operation(session: HostSession) -> dict[str, str]:
        return await read_facts(session, os_release, dmi_dir)

    return await pool.run(endpoint, operation)
