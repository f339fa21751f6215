"""Alembic revisions of the cluster branch (a package so they ship in the wheel)."""
