"""Reading the configuration file: YAML, environment overrides, validation, resolution.

Everything here is blocking file I/O and CPU work; the daemon calls
``load_config`` through ``asyncio.to_thread`` so a reload never stalls probes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from monitord.config.model import MonitordConfig
from monitord.config.resolve import (
    RESOLVE_READS,
    Problem,
    ResolvedTarget,
    dedupe,
    resolve_targets,
    semantic_problems,
    validation_problems,
)
from monitord.config.targets import TargetConfig
from monitord.config.yamlfile import read_yaml
from monitord.errors import ConfigError

DEFAULT_PATH = Path("/etc/monitord/monitord.yaml")


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


def build_config(document: dict[str, Any], path: Path | None = None) -> LoadedConfig:
    """Validate a parsed document (plus environment overrides) and resolve its targets.

    Every problem is reported in one run: when a section fails validation, the
    others are validated again without it and the cross-section checks that do
    not read it still run (a bad ``storage`` no longer hides bad probe settings).
    """
    problems: list[Problem] = []
    broken: frozenset[str] = frozenset()
    config: MonitordConfig | None = None
    remaining = dict(document)
    for _ in range(3):  # a section whose error comes from the environment fails every round
        try:
            config = MonitordConfig(**remaining)
            break
        except ValidationError as exc:
            found = validation_problems(exc)
            problems.extend(found)
            failed = {path.split(".", 1)[0].split("[", 1)[0] for path, _ in found}
            if not failed - broken:
                break
            broken |= failed
            remaining = {key: value for key, value in document.items() if key not in broken}
            if "targets" in broken and isinstance(document.get("targets"), list):
                # One bad target must not hide the probe settings of the other 1,999.
                remaining["targets"] = _targets_with_stand_ins(document["targets"])
                broken -= {"targets"}
    if config is None:
        raise ConfigError(dedupe(problems))
    problems.extend(semantic_problems(config, broken))
    resolved: list[ResolvedTarget] = []
    if not broken & RESOLVE_READS:
        resolved, target_problems = resolve_targets(config)
        problems.extend(target_problems)
    problems = dedupe(problems)
    if problems:
        raise ConfigError(problems)
    return LoadedConfig(path=path, config=config, targets=tuple(resolved))


def _targets_with_stand_ins(items: list[Any]) -> list[Any]:
    """The targets list with each invalid entry replaced by an unvalidated stand-in.

    The stand-in keeps the entry's place (so ``targets[i]`` paths stay right)
    and its name (so other targets' ``parent:`` still finds it), but has no
    probes, parent or groups of its own, so it adds no problems of its own:
    those were reported when the entry failed.
    """
    out: list[Any] = []
    for index, item in enumerate(items):
        try:
            out.append(TargetConfig.model_validate(item))
            continue
        except ValidationError:
            pass
        raw = item if isinstance(item, dict) else {}
        name = raw.get("name")
        site = raw.get("site")
        out.append(
            TargetConfig.model_construct(
                name=name if isinstance(name, str) else f"targets[{index}]",
                address="0.0.0.0",
                site=site if isinstance(site, str) else "",
            )
        )
    return out


def load_config(path: Path) -> LoadedConfig:
    """Read, validate and resolve ``path``; raises ConfigError listing every problem."""
    return build_config(read_yaml(path), path)
