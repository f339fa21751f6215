"""Global flags work before and after the command and its action, in every command (finding 13).

``monitord ipam --json audit`` was refused although the README writes it so.
The table below lists every runnable command with the arguments it needs; a
command added without a row here fails ``test_every_command_is_in_the_table``.
Real runs of these commands (against a daemon, a listener, a config file) are in
``test_global_flags_runs.py``.
"""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from monitord.cli import build_parser
from monitord.cli.global_options import settle

# command words -> the arguments it needs after them; and the global flags it reads
CLIENT = ("json", "url", "token", "timeout")
COMMANDS: dict[tuple[str, ...], tuple[list[str], tuple[str, ...]]] = {
    ("run",): ([], ("config",)),
    ("check-config",): ([], ("config",)),
    ("version",): ([], ()),
    ("probe", "tcp"): (["127.0.0.1:22"], ("json",)),
    ("probe", "icmp"): (["127.0.0.1"], ("json",)),
    ("probe", "ssh-log"): (["127.0.0.1", "--file", "/var/log/syslog"], ("json",)),
    ("probe", "backup"): (["127.0.0.1", "--dir", "/srv/backup", "--pattern", "*.gz"], ("json",)),
    ("probe", "snmp"): (["127.0.0.1"], ("json",)),
    ("probe", "http"): (["http://127.0.0.1:1/"], ("json",)),
    ("probe", "tls"): (["127.0.0.1:1"], ("json",)),
    ("probe", "dns"): (["127.0.0.1", "example.test"], ("json",)),
    ("ipam", "subnets"): ([], CLIENT),
    ("ipam", "add-subnet"): (["127.77.0.0/28"], CLIENT),
    ("ipam", "delete-subnet"): (["1"], CLIENT),
    ("ipam", "add-range"): (["1", "clients", "127.77.0.9", "127.77.0.14", "--kind", "dhcp"], CLIENT),
    ("ipam", "set-range"): (["1", "clients", "--kind", "dhcp"], CLIENT),
    ("ipam", "import-ranges"): (["ranges.csv", "--dry-run"], CLIENT),
    ("ipam", "allocate"): (["1"], CLIENT),
    ("ipam", "release"): (["127.77.0.1"], CLIENT),
    ("ipam", "show"): (["127.77.0.1"], CLIENT),
    ("ipam", "find"): (["till"], CLIENT),
    ("ipam", "available"): (["1"], CLIENT),
    ("ipam", "import"): (["register.csv"], CLIENT),
    ("ipam", "export"): ([], CLIENT),
    ("ipam", "audit"): ([], CLIENT),
    ("ipam", "findings"): ([], CLIENT),
    ("ipam", "reconcile"): ([], CLIENT),
    ("tickets", "list"): ([], CLIENT),
    ("tickets", "show"): (["1"], CLIENT),
    ("tickets", "ack"): (["1"], CLIENT),
    ("tickets", "resolve"): (["1"], CLIENT),
    ("tickets", "close"): (["1"], CLIENT),
    ("tickets", "assign"): (["1", "alice"], CLIENT),
    ("users", "add"): (["alice", "--role", "admin"], ("json", "config")),
    ("users", "passwd"): (["alice"], ("json", "config")),
    ("users", "list"): ([], ("json", "config")),
    ("users", "disable"): (["alice"], ("json", "config")),
    ("users", "enable"): (["alice"], ("json", "config")),
    ("users", "role"): (["alice", "technician"], ("json", "config")),
    ("users", "contacts"): (["alice"], ("json", "config")),
    ("users", "audit"): ([], ("json", "config")),
    ("users", "token", "issue"): (["alice", "--label", "scripts"], ("json", "config")),
    ("users", "token", "revoke"): (["alice", "1"], ("json", "config")),
    ("users", "token", "list"): (["alice"], ("json", "config")),
}
# flag -> (argv words, the value it must give)
VALUES: dict[str, tuple[list[str], Any]] = {
    "json": (["--json"], True),
    "url": (["--url", "http://127.0.0.1:9"], "http://127.0.0.1:9"),
    "token": (["--token", "example-token-0123456789"], "example-token-0123456789"),
    "timeout": (["--timeout", "7"], 7.0),
    "config": (["-c", "/etc/monitord/other.yaml"], "/etc/monitord/other.yaml"),
}
TOP_LEVEL = ("json", "url", "token", "config")


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(_leaves(sub, (*path, name)))
    return found or [path]


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    settle(parser, args)
    return args


def _positions(command: tuple[str, ...], rest: list[str], flag: list[str], name: str) -> list[list[str]]:
    """Every place the flag may stand: before the command, after each word of it, at the end."""
    places = [[*command[:i], *flag, *command[i:], *rest] for i in range(1, len(command) + 1)]
    places.append([*command, *rest, *flag])
    if name in TOP_LEVEL:
        places.append([*flag, *command, *rest])
    return places


def test_every_command_is_in_the_table() -> None:
    assert sorted(_leaves(build_parser())) == sorted(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=" ".join)
def test_global_flags_work_before_and_after_the_action(command: tuple[str, ...]) -> None:
    rest, flags = COMMANDS[command]
    defaults = _parse([*command, *rest])
    for name in flags:
        words, value = VALUES[name]
        assert getattr(defaults, name) != value
        for argv in _positions(command, rest, words, name):
            assert getattr(_parse(argv), name) == value, argv


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=" ".join)
def test_a_global_flag_a_command_ignores_is_refused(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    rest, flags = COMMANDS[command]
    for name in TOP_LEVEL:
        if name in flags:
            continue
        words, _value = VALUES[name]
        with pytest.raises(SystemExit) as exited:
            _parse([*words, *command, *rest])
        assert exited.value.code == 2
        assert (
            f"{words[0] if name != 'config' else '--config'} does not apply to 'monitord "
            f"{' '.join(command)}'" in capsys.readouterr().err
        )


def test_a_command_keeps_its_own_timeout() -> None:
    """``probe tcp --timeout`` is that probe's own option (seconds), not the API client's."""
    assert _parse(["probe", "tcp", "127.0.0.1:22", "--timeout", "2", "--json"]).timeout == 2.0
    assert _parse(["--json", "probe", "icmp", "127.0.0.1", "--timeout", "300"]).json is True
