"""The live register of stores and terminals, built from ``pos:`` and kept across reloads.

Each ``Terminal`` carries what the daemon knows right now (last heartbeat, the
fields it reported, its judged state, its anti-replay window); a reload
rebuilds the register from the new configuration and carries that runtime state
over for every terminal that still exists. Terminals registered automatically or
through the API live beside the configured ones and are persisted by the service.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from monitord.pos.hours import ALWAYS_OPEN, HoursStatus, OpeningHours, parse_hours
from monitord.results import FieldValue

if TYPE_CHECKING:
    from collections.abc import Mapping

    from monitord.config.loader import LoadedConfig
    from monitord.config.resolve import ResolvedTarget

Source = Literal["config", "auto", "api"]
TerminalState = Literal["pending", "up", "down", "closed", "unreachable"]
StoreState = Literal["pending", "open", "closed", "down"]


@dataclass(slots=True)
class ReplayWindow:
    """Anti-replay state of one terminal's UDP stream: boot id, highest sequence, 64-wide bitmap."""

    boot: int | None = None
    highest: int = -1
    mask: int = 0
    last_ts: float = 0.0


@dataclass(slots=True)
class Terminal:
    """One till and what is known about it now."""

    store: str
    id: str
    interval: float
    address: str | None = None
    poll: str | None = None
    description: str = ""
    source: Source = "config"
    # A SHA-256 of the till's token: offline-guessable for a weak token, so kept out of reprs.
    token_digest: bytes | None = field(default=None, repr=False)
    last_seen: float | None = None
    seen_address: str | None = None
    transport: str | None = None
    version: str | None = None
    reported: dict[str, FieldValue] = field(default_factory=dict)
    heartbeats: int = 0
    poll_seen_ns: int = 0
    state: TerminalState = "pending"
    since: float = 0.0
    next_report: float = 0.0
    replay: ReplayWindow = field(default_factory=ReplayWindow)

    @property
    def key(self) -> str:
        return f"{self.store}/{self.id}"

    def carry_from(self, old: Terminal) -> None:
        """Keep the runtime state of the same terminal from the previous register."""
        self.last_seen, self.seen_address, self.transport = old.last_seen, old.seen_address, old.transport
        self.version, self.reported, self.heartbeats = old.version, old.reported, old.heartbeats
        self.poll_seen_ns = old.poll_seen_ns
        self.state, self.since, self.next_report = old.state, old.since, old.next_report
        self.replay = old.replay


@dataclass(slots=True)
class Store:
    """One store: where it is, what it is behind, when it is open and what it holds."""

    name: str
    site: str
    hours: OpeningHours
    router: str | None
    missed_intervals: int
    down_terminals: int
    auto_register: bool
    interval: float
    # The HMAC key of the store's UDP heartbeats: a secret, never in a repr or a log line.
    udp_key: bytes | None = field(default=None, repr=False)
    description: str = ""
    terminals: dict[str, Terminal] = field(default_factory=dict)
    state: StoreState = "pending"
    since: float = 0.0
    reason: str | None = None
    next_report: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    router_up: bool | None = None
    hours_status: HoursStatus | None = None

    def hours_at(self, ts: float) -> HoursStatus:
        cached = self.hours_status
        if cached is None or not cached.covers(ts):
            cached = self.hours_status = self.hours.status_at(ts)
        return cached


def token_digest(token: str) -> bytes:
    """Tokens are looked up by their SHA-256, so lookup time never depends on matching bytes.

    A presented token may hold any bytes (aiohttp decodes headers with
    ``surrogateescape``); encoding them back the same way never raises.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()


@dataclass(frozen=True, slots=True)
class TokenOwner:
    store: str
    terminal: str | None


class Register:
    """Stores by name and the token index; rebuilt as a whole on reload."""

    def __init__(self) -> None:
        self.stores: dict[str, Store] = {}
        self.tokens: dict[bytes, TokenOwner] = {}

    def __len__(self) -> int:
        return sum(len(s.terminals) for s in self.stores.values())

    def terminals(self) -> list[Terminal]:
        return [t for s in self.stores.values() for t in s.terminals.values()]

    def find(self, store: str, terminal: str) -> Terminal | None:
        found = self.stores.get(store)
        return None if found is None else found.terminals.get(terminal)

    def add_terminal(
        self,
        store: Store,
        terminal_id: str,
        source: Source,
        address: str | None = None,
        interval: float | None = None,
    ) -> Terminal:
        terminal = Terminal(
            store=store.name,
            id=terminal_id,
            interval=interval or store.interval,
            address=address,
            source=source,
        )
        store.terminals[terminal_id] = terminal
        return terminal

    @classmethod
    def from_config(cls, loaded: LoadedConfig, previous: Register | None = None) -> Register:
        config = loaded.config
        pos = config.pos
        targets = {r.target.name: r for r in loaded.targets}
        register = cls()
        default_week = parse_hours(pos.hours) if pos.hours is not None else ALWAYS_OPEN
        for name, spec in pos.stores.items():
            site_name = spec.site or name
            site = config.sites.get(site_name)
            timezone = site.timezone if site is not None else "UTC"
            week = parse_hours(spec.hours) if spec.hours is not None else default_week
            holidays = frozenset([*pos.holidays, *spec.holidays])
            router = store_router(loaded, name, targets)
            store = Store(
                name=name,
                site=site_name,
                hours=OpeningHours(week, timezone, holidays),
                router=router,
                missed_intervals=spec.missed_intervals or pos.missed_intervals,
                down_terminals=spec.down_terminals or pos.down_terminals,
                auto_register=pos.auto_register if spec.auto_register is None else spec.auto_register,
                interval=spec.interval or pos.interval,
                udp_key=spec.udp_key.get_secret_value().encode() if spec.udp_key else None,
                description=spec.description,
            )
            if spec.token is not None:
                register.tokens[token_digest(spec.token.get_secret_value())] = TokenOwner(name, None)
            for terminal_id, term in spec.terminals.items():
                polled = targets.get(term.poll) if term.poll else None
                interval = term.interval
                if interval is None and polled is not None and polled.probes:
                    interval = max(s.interval for s in polled.probes.values())
                address = term.address or (polled.target.address if polled is not None else None)
                terminal = register.add_terminal(store, terminal_id, "config", address, interval)
                terminal.poll, terminal.description = term.poll, term.description
                if term.token is not None:
                    digest = token_digest(term.token.get_secret_value())
                    terminal.token_digest = digest
                    register.tokens[digest] = TokenOwner(name, terminal_id)
            register.stores[name] = store
        if previous is not None:
            register.carry_from(previous)
        return register

    def carry_from(self, previous: Register) -> None:
        """Keep runtime state, and terminals added at run time to stores that still exist."""
        for name, store in self.stores.items():
            old_store = previous.stores.get(name)
            if old_store is None:
                continue
            store.state, store.since, store.reason = old_store.state, old_store.since, old_store.reason
            store.next_report, store.router_up = old_store.next_report, old_store.router_up
            for terminal_id, old in old_store.terminals.items():
                current = store.terminals.get(terminal_id)
                if current is None and old.source != "config":
                    current = self.add_terminal(store, terminal_id, old.source, old.address, old.interval)
                if current is not None:
                    current.carry_from(old)


def store_router(
    loaded: LoadedConfig, name: str, targets: Mapping[str, ResolvedTarget] | None = None
) -> str | None:
    """The WAN router a store sits behind: its own ``router``, else its site's parent,
    else the parent of a target its terminals are polled through."""
    spec = loaded.config.pos.stores[name]
    site = loaded.config.sites.get(spec.site or name)
    if targets is None:
        targets = {r.target.name: r for r in loaded.targets}
    return (
        spec.router
        or (site.parent if site is not None else None)
        or next(
            (
                polled.target.parent
                for t in spec.terminals.values()
                if t.poll and (polled := targets.get(t.poll)) is not None and polled.target.parent
            ),
            None,
        )
    )
