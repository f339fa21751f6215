"""What a ``cluster:`` section needs from other sections: PostgreSQL, and a claim outlasting a send."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitord.config.model import MonitordConfig


def check_cluster(config: MonitordConfig) -> list[tuple[str, str]]:
    """A cluster needs the shared PostgreSQL state store, and a claim outlasting a send."""
    cluster = config.cluster
    if cluster is None:
        return []
    problems: list[tuple[str, str]] = []
    url = config.storage.state_url
    if url is None or not url.get_secret_value().startswith("postgresql+asyncpg://"):
        problems.append(
            (
                "storage.state_url",
                "cluster: needs a shared PostgreSQL state store (postgresql+asyncpg://...); "
                "SQLite serves one node only",
            )
        )
    if cluster.claim_lease < 2 * config.notify.send_timeout:
        problems.append(
            (
                "cluster.claim_lease",
                f"must be at least twice notify.send_timeout ({2 * config.notify.send_timeout:g}s), "
                "or a claim can expire while its message is being sent",
            )
        )
    return problems
