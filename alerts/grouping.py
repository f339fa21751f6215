"""Stage: grouping. Alerts of one route and one group key (e.g. one site) wait
``group_wait`` together and go out as one message; later changes to the same
group wait at least ``group_interval`` after the previous message."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitord.config.notify import RouteConfig


@dataclass(slots=True)
class Group:
    route: str
    key: str
    # fingerprint -> forced notice kind ("repeat", "escalation") or "" for "whatever changed"
    members: dict[str, str] = field(default_factory=dict)
    flush_at: float = 0.0
    last_flush: float | None = None


class GroupBook:
    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], Group] = {}

    def add(self, route: RouteConfig, key: str, fingerprint: str, kind: str, now: float) -> None:
        group = self.groups.get((route.name, key))
        if group is None:
            group = Group(route.name, key)
            self.groups[(route.name, key)] = group
        if not group.members:
            if group.last_flush is None:
                group.flush_at = now + route.group_wait
            else:
                group.flush_at = max(now, group.last_flush + route.group_interval)
        if kind or fingerprint not in group.members:
            group.members[fingerprint] = kind

    def due(self, now: float) -> list[Group]:
        return [g for g in self.groups.values() if g.members and g.flush_at <= now]

    def next_flush(self) -> float | None:
        times = [g.flush_at for g in self.groups.values() if g.members]
        return min(times) if times else None

    def flushed(self, group: Group, now: float) -> None:
        group.members = {}
        group.last_flush = now

    def forget_idle(self, now: float, idle: float) -> None:
        for key, group in list(self.groups.items()):
            if not group.members and (group.last_flush or 0) < now - idle:
                del self.groups[key]
