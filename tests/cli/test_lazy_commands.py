"""Only the command being run is imported (issue 20: an instant CLI).

``monitord version`` imported every probe, SQLAlchemy, aiohttp and asyncssh
(1.0 s). These tests check what a command imports, not how long it takes: a
module list is deterministic where a timing is not.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from monitord.cli import COMMANDS, build_parser, main
from monitord.cli.probe import PROBE_COMMANDS

HEAVY = ("sqlalchemy", "aiohttp", "asyncssh", "pysnmp", "aiosnmp", "scapy", "apprise", "yaml", "alembic")

IMPORTED = """
import contextlib, json, sys
from monitord.cli import main
with contextlib.redirect_stdout(sys.stderr), contextlib.suppress(SystemExit):
    main({argv!r})
print(json.dumps(sorted({{name.partition(".")[0] for name in sys.modules}})))
"""


def imported_by(argv: list[str]) -> set[str]:
    """Top-level packages loaded by running ``monitord ARGV`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED.format(argv=argv)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "argv",
    [["version"], ["--help"], ["probe", "--help"], ["probe", "tcp", "127.0.0.1:9", "--timeout", "0.5"]],
)
def test_light_commands_import_no_heavy_library(argv: list[str]) -> None:
    loaded = imported_by(argv)
    assert "monitord" in loaded  # the command ran
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_version_imports_no_probe_or_pydantic() -> None:
    loaded = imported_by(["version"])
    assert "probes" not in loaded and "pydantic" not in loaded


def subcommands(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Command word -> its help, as ``--help`` lists it."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {choice.dest: choice.help or "" for choice in action._choices_actions}


def test_placeholders_list_the_same_help_as_the_full_commands() -> None:
    full = subcommands(build_parser())
    lazy = subcommands(build_parser([]))
    assert lazy == full
    assert list(full) == [command.name for command in COMMANDS]


def test_probe_kind_placeholders_list_the_same_help() -> None:
    def kinds(parser: argparse.ArgumentParser) -> dict[str, str]:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return subcommands(action.choices["probe"])

    assert kinds(build_parser(["probe"])) == kinds(build_parser())
    assert list(kinds(build_parser())) == [command.name for command in PROBE_COMMANDS]


def test_a_flag_value_that_names_another_command_still_runs_the_right_one(
    capsys: pytest.CaptureFixture[str],
) -> None:

    # "-c version" names a file called "version"; the command is check-config.
    assert main(["-c", "version", "check-config"]) == 2
    assert "version" in capsys.readouterr().err
