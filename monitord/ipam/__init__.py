"""IP address management: the department's register of subnets, ranges and addresses.

The database enforces that no address is handed out twice (a unique constraint
inside a write transaction that serialises allocators across processes); an
in-memory free-space index per subnet keeps next-free lookups in microseconds.
Probes never import this package; reconciliation reads the wire through a pinger.
"""
