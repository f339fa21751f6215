"""Several monitord nodes on one PostgreSQL: membership leases, rendezvous ownership,
outbox claims and the leader's advisory lock (``docs/cluster.md``)."""
