"""Cross-section checks of ``syslog:``: the targets its sender map names must exist.

A sender mapped to a misspelt target would be "unknown" forever without a word;
at load time it is an error naming the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitord.config.model import MonitordConfig


def check_syslog(config: MonitordConfig) -> list[tuple[str, str]]:
    targets = {t.name for t in config.targets}
    return [
        (f"syslog.senders.{address}", f"unknown target {name!r}")
        for address, name in config.syslog.senders.items()
        if name not in targets
    ]
