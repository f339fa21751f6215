"""``cluster:``: several monitord nodes sharing one PostgreSQL state store.

Absent (the default), the daemon is a single node and nothing here costs
anything. Present, the node renews a membership lease in PostgreSQL, probes
only the targets rendezvous hashing gives it, claims outbox rows before sending
them and runs the singletons only while it holds the leader's advisory lock
(``docs/cluster.md``). Every node reads the same file; what differs per node
(its name, the zones and sites it may reach) usually comes from
``MONITORD_CLUSTER__NODE`` and friends.
"""

from __future__ import annotations

import socket
from typing import Annotated

from pydantic import Field, model_validator

from monitord.config.durations import Bounds, Duration
from monitord.config.section import Section
from monitord.inputs import Name

# Why these defaults (docs/cluster.md has the long form): a lease of five heartbeats
# survives four lost renewals (a GC pause, a slow query, a brief network blip) before
# the node's targets move, and bounds failover at lease + one probe interval; two
# small statements every two seconds per node are nothing for PostgreSQL.
DEFAULT_HEARTBEAT = 2.0
DEFAULT_LEASE = 10.0
DEFAULT_CLAIM_LEASE = 60.0
MIN_RENEWALS = 3  # a lease spans at least this many heartbeats


def default_node_name() -> str:
    """The host name up to its first dot: unique per machine, stable across restarts."""
    return socket.gethostname().split(".", 1)[0][:128] or "monitord"


class ClusterConfig(Section):
    """This node's part in a cluster of monitord nodes on one PostgreSQL."""

    node: Name | None = Field(
        default=None,
        description="This node's name, unique in the cluster (usually MONITORD_CLUSTER__NODE); "
        "none: the host name up to its first dot.",
    )
    zones: list[Name] | None = Field(
        default=None,
        description="Target zones this node may probe; none: every zone (a target without a "
        "zone is probed only by nodes without this restriction).",
    )
    sites: list[Name] | None = Field(default=None, description="Sites this node may probe; none: every site.")
    heartbeat: Annotated[Duration, Bounds(0.1, 60.0)] = Field(
        default=DEFAULT_HEARTBEAT,
        description="How often the node renews its membership lease and re-reads the members.",
    )
    lease_timeout: Annotated[Duration, Bounds(0.5, 600.0)] = Field(
        default=DEFAULT_LEASE,
        description="A node whose lease is this old is dead: its targets move to the survivors, "
        "and a node that could not renew for this long stops evaluating and sending. At least "
        "three heartbeats.",
    )
    claim_lease: Annotated[Duration, Bounds(1.0, 3600.0)] = Field(
        default=DEFAULT_CLAIM_LEASE,
        description="How long an outbox row claimed by one node is left to it; a node dead "
        "with claims delays those messages this long. At least twice notify.send_timeout.",
    )

    @model_validator(mode="after")
    def _lease_spans_renewals(self) -> ClusterConfig:
        if self.lease_timeout < MIN_RENEWALS * self.heartbeat:
            raise ValueError(
                f"lease_timeout must be at least {MIN_RENEWALS} heartbeats "
                f"({MIN_RENEWALS} x {self.heartbeat:g}s), or one slow renewal kills a live node"
            )
        return self

    @property
    def node_name(self) -> str:
        return self.node or default_node_name()

    def summary(self) -> list[str]:
        zones = "all zones" if self.zones is None else "zones " + ", ".join(self.zones)
        sites = "all sites" if self.sites is None else "sites " + ", ".join(self.sites)
        return [
            f"cluster node {self.node_name}: {zones}, {sites}; heartbeat {self.heartbeat:g}s, "
            f"lease {self.lease_timeout:g}s"
        ]
