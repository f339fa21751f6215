"""Every bearer token is unique across roles: API tokens, POS store tokens, terminal tokens.

A POS store token equal to the admin API token would let anyone holding a
till's credential administer the daemon (and the other way round), and a token
shared by two stores would let a till report for a store it is not in. The
messages name both fields and never the token.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import SecretStr

if TYPE_CHECKING:
    from monitord.config.model import MonitordConfig


def bearer_tokens(config: MonitordConfig) -> Iterator[tuple[str, SecretStr]]:
    """``(field path, token)`` for every bearer token in the configuration, in file order."""
    for index, api_token in enumerate(config.http.tokens):
        yield f"http.tokens[{index}].token", api_token.token
    for store_name, store in config.pos.stores.items():
        if store.token is not None:
            yield f"pos.stores.{store_name}.token", store.token
        for terminal_id, terminal in store.terminals.items():
            if terminal.token is not None:
                yield f"pos.stores.{store_name}.terminals.{terminal_id}.token", terminal.token


def check_tokens(config: MonitordConfig) -> list[tuple[str, str]]:
    """One problem for each token that repeats an earlier one, naming where it was first."""
    first: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for where, secret in bearer_tokens(config):
        value = secret.get_secret_value()
        if value in first:
            problems.append((where, f"the same token as {first[value]} (every token must be unique)"))
        else:
            first[value] = where
    return problems
