"""The state store: tickets, alert state, IPAM and probe state in SQL (SQLite or PostgreSQL)."""
