"""Repair requests: tickets opened by people, dispatched to technicians, with a work log.

A request is a row in the alert engine's ``tickets`` table (same lifecycle,
routes and outbox) plus a row in ``repair_requests`` keyed by the ticket id with
what only a request has (category, asset, description, reporter, resolution).
The work log (``repair_worklog``) holds time spent and parts used on any ticket.
These tables are this package's own Alembic branch, ``requests``.
"""
