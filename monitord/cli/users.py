"""``monitord users add|passwd|list|disable|enable|role|contacts|token|audit``: accounts, on the server.

These commands open the state store named by the configuration (``-c``)
directly, not through the API: they are how the first admin is made (there is
no default account or password), and how an admin locked out of the console
gets back in. Whoever can run them can read the configuration and the state
database anyway.

Passwords and contact URLs never come from the command line (where ``ps`` and
shell history would show them): from a prompt when standard input is a
terminal (asked twice), else from standard input (the first line; for
``contacts``, one URL per line). A token issued here is printed once and never
again. Every change lands in the accounts audit log with the actor
``cli:<login name>``. Exit 0 on success, 1 when refused (the message says why),
2 on bad usage or configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

from monitord.accounts.principal import ROLES
from monitord.accounts.service import Accounts
from monitord.cli.global_options import add_global_flags, uses
from monitord.config.loader import LoadedConfig, config_path, load_config
from monitord.errors import ConfigError, RequestError, StartupError
from monitord.store.engine import StateStore

SOURCE = "cli"
MAX_STDIN_LINE = 4096


class Refused(Exception):
    """The command cannot go on; the message says why (exit 1)."""


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def read_secret(prompt: str, *, confirm: bool) -> str:
    """From a prompt on a terminal (twice when ``confirm``), else the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        if confirm and getpass.getpass(f"{prompt} (again): ") != first:
            raise Refused("the two entries differ")
        return first
    line = sys.stdin.readline(MAX_STDIN_LINE + 1)
    if not line:
        raise Refused(f"{prompt.lower()}: nothing on standard input")
    return line.rstrip("\r\n")


def read_lines() -> list[str]:
    """Contact URLs: one per line from stdin (an empty line ends the list on a terminal)."""
    urls: list[str] = []
    if sys.stdin.isatty():
        print("contact URLs, one per line; an empty line ends the list:", file=sys.stderr)
    for raw in sys.stdin:
        line = raw.strip()
        if not line:
            if sys.stdin.isatty():
                break
            continue
        urls.append(line)
    return urls


def _account_line(account: dict[str, Any]) -> str:
    state = "enabled" if account["enabled"] else "DISABLED"
    password = "" if account["has_password"] else " (no password)"
    return (
        f"{account['name']:<24} {account['role']:<10} {state:<8} contacts {account['contacts']}  "
        f"{account['display_name']}{password}"
    )


def _audit_line(entry: dict[str, Any]) -> str:
    detail = " ".join(f"{k}={v}" for k, v in entry["detail"].items())
    return (
        f"{entry['at']} {entry['action']:<16} {entry['account']:<20} "
        f"by {entry['actor']} from {entry['source']} {detail}"
    ).rstrip()


async def _act(args: argparse.Namespace, accounts: Accounts) -> Any:
    actor, action = _actor(), args.action
    if action == "add":
        password = None if args.no_password else read_secret("Password", confirm=True)
        account = await accounts.add(
            args.name, args.display_name or "", args.role, password, actor=actor, source=SOURCE
        )
        return account.to_json()
    if action == "passwd":
        await accounts.require(args.name)  # before asking for a password nobody can use
        await accounts.set_password(
            args.name, read_secret("New password", confirm=True), actor=actor, source=SOURCE
        )
        return {"name": args.name.lower(), "password": "changed"}
    if action == "list":
        return [a.to_json() for a in await accounts.list()]
    if action in ("enable", "disable"):
        account = await accounts.set_enabled(args.name, action == "enable", actor=actor, source=SOURCE)
        return account.to_json()
    if action == "role":
        return (await accounts.set_role(args.name, args.role, actor=actor, source=SOURCE)).to_json()
    if action == "contacts":
        await accounts.require(args.name)
        urls = [] if args.clear else read_lines()
        account = await accounts.set_profile(args.name, contacts=urls, actor=actor, source=SOURCE)
        return account.to_json()
    if action == "audit":
        return await accounts.audit(account=args.account, limit=args.limit)
    # token issue|revoke|list
    if args.key_action == "issue":
        owner = await accounts.require(args.name)
        issued = await accounts.tokens.issue(
            owner.name, args.label, args.role or owner.role, actor=actor, source=SOURCE
        )
        return issued.to_json()
    if args.key_action == "revoke":
        await accounts.tokens.revoke(args.name, args.id, actor=actor, source=SOURCE)
        return {"revoked": args.id}
    await accounts.require(args.name)
    return await accounts.tokens.list(args.name, include_revoked=args.all)


def _render(args: argparse.Namespace, result: Any) -> str:
    if args.json:
        return json.dumps(result, indent=2)
    action = args.action
    if action == "list":
        return (
            "\n".join(_account_line(a) for a in result)
            or "no accounts (create the first admin: monitord users add NAME --role admin)"
        )
    if action == "audit":
        return "\n".join(_audit_line(e) for e in result)
    if action == "token":
        if args.key_action == "issue":
            return (
                f"token {result['id']} for {result['account']} ({result['role']}, {result['label']}):\n"
                f"{result['token']}\n"
                "It is shown only now; store it where its user keeps secrets."
            )
        if args.key_action == "revoke":
            return f"token {result['revoked']} revoked"
        return "\n".join(
            f"{t['id']:<6} {t['role']:<10} {t['label']:<24} created {t['created_at']}"
            f"{'  REVOKED ' + t['revoked_at'] if t['revoked_at'] else ''}"
            f"{'  last used ' + t['last_used_at'] if t['last_used_at'] else ''}"
            for t in result
        )
    if action == "passwd":
        return f"password of {result['name']} changed; their sessions were closed"
    return _account_line(result)


async def _run(args: argparse.Namespace, loaded: LoadedConfig) -> Any:
    config = loaded.config
    await asyncio.to_thread(config.daemon.state_dir.mkdir, parents=True, exist_ok=True)
    url = config.storage.state_url.get_secret_value() if config.storage.state_url else None
    store = await StateStore.open(url, config.daemon.state_dir)
    try:
        return await _act(args, Accounts(store, lambda: config.accounts))
    finally:
        await store.close()


def handle(args: argparse.Namespace) -> int:
    command = f"monitord users {args.action}"
    path = config_path(args.config)
    try:
        loaded = load_config(path)
    except ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {path}", file=sys.stderr)
        return 2
    try:
        result = asyncio.run(_run(args, loaded))
    except (Refused, RequestError, StartupError) as exc:
        where = f" ({exc.field})" if isinstance(exc, RequestError) and exc.field else ""
        print(f"{command}: {exc}{where}", file=sys.stderr)
        return 1
    print(_render(args, result))
    return 0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "users", help="named accounts: add, passwords, roles, tokens (on the server)"
    )
    add_global_flags(parser, ("json", "config"))
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def add(name: str, help_text: str, *, named: bool = True) -> argparse.ArgumentParser:
        action: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
        uses(action, json=False, config=None)
        if named:
            action.add_argument("name", help="the account name")
        return action

    adding = add("add", "create an account (password from a prompt or stdin)")
    adding.add_argument("--role", choices=ROLES, required=True)
    adding.add_argument("--display-name", help="the name people see (default: the account name)")
    adding.add_argument(
        "--no-password", action="store_true", help="create it without a password (set one with passwd)"
    )
    add("passwd", "set a new password (from a prompt or stdin); closes the account's sessions")
    add("list", "every account", named=False)
    add("disable", "disable: sign-in, sessions and tokens stop working")
    add("enable", "enable again")
    role = add("role", "change the role")
    role.add_argument("role", choices=ROLES)
    contacts = add("contacts", "replace the contact URLs (apprise, one per line on stdin)")
    contacts.add_argument("--clear", action="store_true", help="remove every contact URL")
    audit = add("audit", "the accounts audit log, newest first", named=False)
    audit.add_argument("--account", help="only entries about this account")
    audit.add_argument("--limit", type=int, default=50)

    token_parser: argparse.ArgumentParser = actions.add_parser("token", help="per-user API tokens")
    add_global_flags(token_parser, ("json", "config"))
    key_actions = token_parser.add_subparsers(dest="key_action", metavar="ACTION", required=True)

    def token(name: str, help_text: str) -> argparse.ArgumentParser:
        action: argparse.ArgumentParser = key_actions.add_parser(name, help=help_text)
        uses(action, json=False, config=None)
        action.add_argument("name", help="the account name")
        return action

    issue = token("issue", "issue a token (printed once)")
    issue.add_argument("--label", required=True, help="what the token is for")
    issue.add_argument("--role", choices=ROLES, help="at most the account's role (default: that role)")
    revoke = token("revoke", "revoke a token by its id")
    revoke.add_argument("id", type=int)
    listing = token("list", "the account's tokens (never their values)")
    listing.add_argument("--all", action="store_true", help="revoked ones too")
    parser.set_defaults(handler=handle)
