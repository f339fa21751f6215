"""``monitord run -c FILE``: the daemon in the foreground (systemd Type=notify)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from monitord.cli.global_options import uses
from monitord.config.loader import config_path, load_config
from monitord.errors import ConfigError, StartupError
from monitord.logs import setup_logging


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("run", help="run the daemon")
    uses(parser, config=None)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    try:
        loaded = load_config(path)
    except ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 2
    setup_logging(loaded.config.daemon.log_level)
    from monitord.daemon import Daemon, tune_garbage_collector

    tune_garbage_collector()
    try:
        asyncio.run(Daemon(loaded, handle_signals=True).run())
    except StartupError as exc:
        logging.getLogger("monitord").critical("cannot start: %s", exc)
        return 1
    return 0
