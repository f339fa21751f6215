"""Shared set-up of the POS benchmarks: a register of 2,000 stores x 5 tills on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

STORES = 2000
TILLS = 5


def store_name(index: int) -> str:
    return f"store-{index:04d}"


def store_token(index: int) -> str:
    return f"bench-{store_name(index)}-token-0123456789"


def udp_key(index: int) -> str:
    return f"bench-{store_name(index)}-udpkey-0123456789"


def pos_document(
    state_dir: Path, udp_listen: str | None = None, evaluate_every: str = "1s"
) -> dict[str, Any]:
    stores = {
        store_name(i): {
            "token": store_token(i),
            "udp_key": udp_key(i),
            "terminals": {f"till-{t}": {} for t in range(1, TILLS + 1)},
        }
        for i in range(STORES)
    }
    return {
        "daemon": {"state_dir": str(state_dir), "log_level": "warning"},
        "http": {"listen": "127.0.0.1:0"},
        "storage": {"embedded": {"enabled": False}},
        "pos": {
            "interval": "30s",
            "evaluate_every": evaluate_every,
            "hours": {"mon-sat": "08:00-20:00"},
            "udp": {"listen": udp_listen},
            "stores": stores,
        },
    }
