"""Secrets held by the live register stay out of reprs (and so out of logs and tracebacks)."""

from __future__ import annotations

from monitord.pos.hours import ALWAYS_OPEN, OpeningHours
from monitord.pos.register import Store, Terminal, token_digest

UDP_KEY = b"udp-hmac-key-do-not-print-0123"
TOKEN = "till-token-do-not-print-0123"


def test_store_repr_hides_udp_key() -> None:
    store = Store(
        name="s1",
        site="s1",
        hours=OpeningHours(ALWAYS_OPEN, "UTC"),
        router=None,
        missed_intervals=3,
        down_terminals=2,
        auto_register=False,
        interval=30.0,
        udp_key=UDP_KEY,
    )
    text = repr(store)
    assert "name='s1'" in text  # the repr is still useful
    assert "udp_key" not in text
    assert repr(UDP_KEY) not in text and UDP_KEY.decode() not in text
    assert store.udp_key == UDP_KEY


def test_terminal_repr_hides_token_digest() -> None:
    digest = token_digest(TOKEN)
    terminal = Terminal(store="s1", id="t1", interval=30.0, token_digest=digest)
    text = repr(terminal)
    assert "id='t1'" in text
    assert "token_digest" not in text
    assert repr(digest) not in text and digest.hex() not in text
