"""The backup generation before the newest one, remembered across runs and restarts.

Many backup jobs overwrite one file (``erp.dump`` every night) or keep only
the latest, so the directory alone cannot say how big the previous backup
was. The state store keeps, per (target, directory/pattern), the newest file
seen and the one before it; when the newest changes (another path or a newer
mtime), the stored newest becomes the previous generation.
"""

from __future__ import annotations

from typing import Any

from monitord.ssh.backups import BackupFile
from monitord.store.engine import StateStore
from monitord.store.probe_state import ProbeStateRepo


def _to_json(item: BackupFile | None) -> dict[str, Any] | None:
    return None if item is None else {"path": item.path, "size": item.size, "mtime": item.mtime}


def _from_json(value: Any) -> BackupFile | None:
    if (
        isinstance(value, dict)
        and isinstance(value.get("path"), str)
        and isinstance(value.get("size"), int)
        and isinstance(value.get("mtime"), int | float)
    ):
        return BackupFile(value["path"], value["size"], float(value["mtime"]))
    return None


class BackupHistory:
    def __init__(self, kind: str, state: StateStore | None) -> None:
        self._kind = kind
        self._repo = ProbeStateRepo(state) if state is not None else None
        self._cache: dict[tuple[str, str], tuple[BackupFile | None, BackupFile | None]] = {}

    async def previous_of(self, target: str, series: str, newest: BackupFile) -> BackupFile | None:
        """The generation before ``newest``, as far as past runs saw; records ``newest``."""
        key = (target, series)
        if key not in self._cache:
            stored = await self._repo.get(self._kind, target, series) if self._repo is not None else None
            stored = stored if isinstance(stored, dict) else {}
            self._cache[key] = (_from_json(stored.get("newest")), _from_json(stored.get("previous")))
        seen_newest, seen_previous = self._cache[key]
        if (
            seen_newest is not None
            and seen_newest.mtime < newest.mtime
            and (seen_newest.path, seen_newest.mtime) != (newest.path, newest.mtime)
        ):
            seen_previous = seen_newest
        record = (newest, seen_previous)
        if record != self._cache[key]:
            if self._repo is not None:
                await self._repo.put(
                    self._kind,
                    target,
                    series,
                    {"newest": _to_json(newest), "previous": _to_json(seen_previous)},
                )
            self._cache[key] = record
        return seen_previous

    def forget(self, target: str) -> None:
        for key in [k for k in self._cache if k[0] == target]:
            del self._cache[key]
