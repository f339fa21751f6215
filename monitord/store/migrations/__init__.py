"""Schema migrations with Alembic, one branch per component.

Each component (core, alerts, ipam, ssh, pos...) keeps its revisions in its own
``migrations`` directory with ``branch_labels = ("<component>",)`` on its first
revision, so components evolve independently; start-up upgrades every branch
to its head. No ``env.py``: the daemon drives Alembic's ``EnvironmentContext``
on the connection it already holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from monitord.store.base import METADATA

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent.parent.parent

# One entry per component that owns tables; add yours here.
VERSION_LOCATIONS: list[Path] = [
    _HERE / "versions",
    _ROOT / "monitord" / "ipam" / "migrations",
    _ROOT / "alerts" / "migrations",
    _ROOT / "monitord" / "accounts" / "migrations",
]


def alembic_config() -> Config:
    """An in-memory Alembic config pointing at every component's revisions."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("version_locations", " ".join(str(p) for p in VERSION_LOCATIONS))
    config.set_main_option("path_separator", "space")
    return config


def upgrade_to_heads(connection: Connection) -> None:
    """Apply every pending revision of every branch on ``connection`` (sync side)."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)

    def upgrade(revision: Any, _context: Any) -> Any:
        return script._upgrade_revs("heads", revision)

    with EnvironmentContext(config, script, fn=upgrade, destination_rev="heads") as env:
        env.configure(connection=connection, target_metadata=METADATA)
        with env.begin_transaction():
            env.run_migrations()


def current_heads(connection: Connection) -> set[str]:
    """Revisions the database is at (for tests and ``check-config``)."""
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415  alembic costs ~260 ms to import

    return set(MigrationContext.configure(connection).get_current_heads())
