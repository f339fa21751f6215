"""A daemon configured for repair requests: two sites, an urgent and a normal route, and
technicians, each at its own path of the real receiver behind apprise ``json://``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.alerts.harness import ADMIN_TOKEN, READ_TOKEN, config_doc
from tests.servers.receiver import Receiver

TECHNICIAN_TOKEN = "repairs-technician-token-0123456789"


def repairs_doc(tmp_path: Path, receiver: Receiver, state_url: str | None = None) -> dict[str, Any]:
    """Urgent requests go to ``/urgent``, normal ones to ``/desk``; alice and bob get theirs at
    ``/alice`` and ``/bob``. The help desk holds a technician token."""
    doc = config_doc(tmp_path, [], receiver.url("unused"), state_url=state_url)
    doc["http"]["tokens"] = [
        {"name": "oncall-admin", "role": "admin", "token": ADMIN_TOKEN},
        {"name": "viewer", "role": "read", "token": READ_TOKEN},
        {"name": "helpdesk", "role": "technician", "token": TECHNICIAN_TOKEN},
    ]
    doc["sites"] = {"store-12": {"description": "Main Street"}, "head-office": {}}
    doc["notify"]["routes"] = [
        {"name": "urgent", "urls": [receiver.url("urgent")], "match": {"priorities": ["urgent"]}},
        {"name": "desk", "urls": [receiver.url("desk")], "match": {"priorities": ["normal"]}},
    ]
    doc["repairs"] = {
        "categories": {"pos-payment": "urgent", "printer": "normal", "network": "normal"},
        "technicians": [
            {"name": "alice", "urls": [receiver.url("alice")]},
            {"name": "bob", "urls": [receiver.url("bob")]},
        ],
    }
    return doc


TILL_DOWN = {
    "category": "pos-payment",
    "site": "store-12",
    "asset": "POS-0012",
    "description": "till 2 refuses card payments\nthe screen says 'terminal offline'",
    "reporter": "Jane Doe",
    "contact": "+49 30 1234567",
}
PRINTER_JAM = {
    "category": "printer",
    "site": "head-office",
    "asset": "PRN-0007",
    "description": "paper jam on the second floor printer",
    "reporter": "Sam",
    "contact": "sam@example.com",
}
