"""Reading the configuration file: YAML, environment overrides, validation, resolution.

Everything here is blocking file I/O and CPU work; the daemon calls
``load_config`` through ``asyncio.to_thread`` so a reload never stalls probes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from monitord.config.model import MonitordConfig
from monitord.config.resolve import (
    ResolvedTarget,
    dedupe,
    resolve_targets,
    semantic_problems,
    validation_problems,
)
from monitord.errors import ConfigError

DEFAULT_PATH = Path("/etc/monitord/monitord.yaml")
MAX_CONFIG_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """A validated configuration and its resolved targets, swapped in as one unit."""

    path: Path | None
    config: MonitordConfig
    targets: tuple[ResolvedTarget, ...]

    def target(self, name: str) -> ResolvedTarget | None:
        for resolved in self.targets:
            if resolved.target.name == name:
                return resolved
        return None


def config_path(cli_path: str | os.PathLike[str] | None) -> Path:
    """``-c PATH``, else ``$MONITORD_CONFIG``, else ``/etc/monitord/monitord.yaml``."""
    if cli_path:
        return Path(cli_path)
    env = os.environ.get("MONITORD_CONFIG")
    return Path(env) if env else DEFAULT_PATH


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse the file into a mapping; every failure is a ConfigError naming the file."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError([("", f"cannot read {path}: {exc.strerror or exc}")]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError([("", f"{path} is larger than {MAX_CONFIG_BYTES} bytes")])
    try:
        document = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([("", f"{path}: invalid YAML{where}: {problem}")]) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError([("", f"{path}: the top level must be a mapping of sections")])
    return {str(key): value for key, value in document.items()}


def build_config(document: dict[str, Any], path: Path | None = None) -> LoadedConfig:
    """Validate a parsed document (plus environment overrides) and resolve its targets."""
    try:
        config = MonitordConfig(**document)
    except ValidationError as exc:
        raise ConfigError(dedupe(validation_problems(exc))) from None
    problems = semantic_problems(config)
    resolved, target_problems = resolve_targets(config)
    problems = dedupe(problems + target_problems)
    if problems:
        raise ConfigError(problems)
    return LoadedConfig(path=path, config=config, targets=tuple(resolved))


def load_config(path: Path) -> LoadedConfig:
    """Read, validate and resolve ``path``; raises ConfigError listing every problem."""
    return build_config(read_yaml(path), path)
