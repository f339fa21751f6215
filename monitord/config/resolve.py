"""From the validated document to what the scheduler runs: merged targets and checks.

Pydantic validates each section's shape; what spans sections lives here: target
names unique, parents existing and acyclic, groups existing, and each target's
probe settings merged (kind defaults < site < groups < target) and validated by
the kind's own model, with every error pointing at the layer that supplied it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from alerts.config_checks import check_alerts
from monitord.config.model import MonitordConfig
from monitord.config.targets import ProbeOverrides, TargetConfig, TargetDefaults
from monitord.config.tokens import check_tokens
from monitord.pos.checks import check_pos
from probes import REGISTRY, kind_names
from probes.base import ProbeSettings, ProbeTarget

Problem = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    """A target with every default applied and its probes' settings validated."""

    target: ProbeTarget
    probes: Mapping[str, ProbeSettings]


# Later subsystems append checks that span sections (alert routes -> notify, ...).
SemanticCheck = Callable[[MonitordConfig], list[Problem]]


def check_assets(config: MonitordConfig) -> list[Problem]:
    """The register's digest route must exist (``assets.digest.route``)."""
    return config.assets.route_problems(config.notify)


SEMANTIC_CHECKS: list[SemanticCheck] = [
    check_pos,
    check_alerts,
    check_tokens,
    check_assets,
]
# The top-level sections each check reads. When one of them has errors the check
# is skipped (it would only report echoes of those errors); a check not listed
# here reads everything, so it runs only on a file without section errors.
CHECK_READS: dict[SemanticCheck, frozenset[str]] = {
    check_pos: frozenset({"pos", "sites", "targets"}),
    check_alerts: frozenset({"alerts", "notify", "sites", "targets"}),
    check_tokens: frozenset({"http", "pos"}),
    check_assets: frozenset({"assets", "notify"}),
}
_KIND_DEFAULTS_READS = frozenset({"probes"})
_NAMES_READS = frozenset({"targets", "groups", "sites"})
RESOLVE_READS = frozenset({"targets", "groups", "sites", "probes"})


def format_loc(loc: Iterable[int | str]) -> str:
    """``("targets", 3, "address")`` -> ``targets[3].address``."""
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad mapping key; the path already names it
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def validation_problems(exc: ValidationError, prefix: str = "") -> list[Problem]:
    """Pydantic errors as ``(path, message)``, without pydantic's boilerplate."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        path = format_loc(loc)
        if prefix:
            path = f"{prefix}.{path}" if path and not path.startswith("[") else f"{prefix}{path}"
        problems.append((path, clean_message(err)))
    return problems


def clean_message(err: ErrorDetails) -> str:
    """Pydantic's message without its ``Value error, `` boilerplate."""
    if err["type"] == "extra_forbidden":
        return "unknown key"
    message = str(err["msg"])
    for boilerplate in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(boilerplate)
    return message


def _check_kind_defaults(config: MonitordConfig) -> list[Problem]:
    problems: list[Problem] = []
    for kind, values in config.probes.items():
        if kind not in REGISTRY:
            problems.append((f"probes.{kind}", _unknown_kind(kind)))
            continue
        model = REGISTRY[kind].settings_model
        for key in values:
            if key not in model.model_fields:
                problems.append((f"probes.{kind}.{key}", "unknown key"))
    return problems


def _unknown_kind(kind: str) -> str:
    return f"unknown probe kind {kind!r} (known: {', '.join(kind_names())})"


def _check_names_and_parents(config: MonitordConfig) -> list[Problem]:
    problems: list[Problem] = []
    first_index: dict[str, int] = {}
    for index, target in enumerate(config.targets):
        if target.name in first_index:
            problems.append(
                (
                    f"targets[{index}].name",
                    f"duplicate target name {target.name!r} (first at targets[{first_index[target.name]}])",
                )
            )
        else:
            first_index[target.name] = index
        for g_index, group in enumerate(target.groups):
            if group not in config.groups:
                problems.append((f"targets[{index}].groups[{g_index}]", f"no group named {group!r}"))
    parents = {t.name: _parent_of(config, t) for t in config.targets}
    for index, target in enumerate(config.targets):
        parent = parents.get(target.name)
        if parent is None or first_index.get(target.name) != index:
            continue
        if parent not in first_index:
            problems.append((f"targets[{index}].parent", f"no target named {parent!r}"))
            continue
        chain = [target.name]
        node: str | None = parent
        while node is not None and node not in chain and len(chain) <= len(parents):
            chain.append(node)
            node = parents.get(node)
        if node == target.name:
            problems.append((f"targets[{index}].parent", "cycle " + " -> ".join([*chain, target.name])))
    return problems


def _parent_of(config: MonitordConfig, target: TargetConfig) -> str | None:
    """The effective parent; an inherited parent naming the target itself is ignored
    (a site's default parent is usually that site's own router)."""
    if target.parent is not None:
        return target.parent
    for _, layer in reversed(_layers(config, target)):
        if layer.parent is not None and layer.parent != target.name:
            return layer.parent
    return None


def _layers(config: MonitordConfig, target: TargetConfig) -> list[tuple[str, TargetDefaults | TargetConfig]]:
    """Inheritance layers, weakest first, with the config path of each."""
    layers: list[tuple[str, TargetDefaults | TargetConfig]] = []
    site = config.sites.get(target.site)
    if site is not None:
        layers.append((f"sites.{target.site}", site))
    for group in target.groups:
        if group in config.groups:
            layers.append((f"groups.{group}", config.groups[group]))
    return layers


def _merge_probes(
    config: MonitordConfig, target: TargetConfig, index: int
) -> tuple[dict[str, ProbeSettings], list[Problem]]:
    layers: list[tuple[str, ProbeOverrides]] = [
        (path, layer.probes) for path, layer in _layers(config, target)
    ]
    layers.append((f"targets[{index}]", target.probes))
    enabled: dict[str, bool] = {}
    for _, overrides in layers:
        for kind, value in overrides.items():
            enabled[kind] = value is not False
    problems: list[Problem] = []
    settings: dict[str, ProbeSettings] = {}
    for kind, on in enabled.items():
        if not on:
            continue
        if kind not in REGISTRY:
            for path, overrides in layers:
                if kind in overrides:
                    problems.append((f"{path}.probes.{kind}", _unknown_kind(kind)))
            continue
        merged: dict[str, Any] = {}
        origin: dict[str, str] = {}
        for key, value in config.probes.get(kind, {}).items():
            merged[key] = value
            origin[key] = f"probes.{kind}"
        for path, overrides in layers:
            value = overrides.get(kind)
            if isinstance(value, dict):
                for key, item in value.items():
                    merged[key] = item
                    origin[key] = f"{path}.probes.{kind}"
        model = REGISTRY[kind].settings_model
        try:
            settings[kind] = model.model_validate(merged)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                key = str(err["loc"][0]) if err["loc"] else ""
                where = origin.get(key, f"targets[{index}].probes.{kind}")
                loc = format_loc(err["loc"])  # empty for a model-level (cross-field) check
                problems.append((f"{where}.{loc}" if loc else where, clean_message(err)))
    return settings, problems


def resolve_targets(config: MonitordConfig) -> tuple[list[ResolvedTarget], list[Problem]]:
    """Apply inheritance to every target and validate its probe settings."""
    resolved: list[ResolvedTarget] = []
    problems: list[Problem] = []
    for index, target in enumerate(config.targets):
        layers = _layers(config, target)
        zone, criticality = target.zone, target.criticality
        parent = _parent_of(config, target)
        tags: list[str] = []
        labels: dict[str, str] = {}
        for _, layer in layers:
            zone = zone if target.zone is not None else (layer.zone or zone)
            if target.criticality is None and layer.criticality is not None:
                criticality = layer.criticality
            tags.extend(t for t in layer.tags if t not in tags)
            labels.update(layer.labels)
        tags.extend(t for t in target.tags if t not in tags)
        labels.update(target.labels)
        settings, probe_problems = _merge_probes(config, target, index)
        problems.extend(probe_problems)
        resolved.append(
            ResolvedTarget(
                target=ProbeTarget(
                    name=target.name,
                    address=target.address,
                    site=target.site,
                    zone=zone,
                    parent=parent,
                    criticality=criticality or "normal",
                    tags=tuple(tags),
                    labels=labels,
                ),
                probes=settings,
            )
        )
    return resolved, problems


def semantic_problems(config: MonitordConfig, broken: frozenset[str] = frozenset()) -> list[Problem]:
    """Every cross-section problem, in a stable order.

    ``broken`` names top-level sections that failed validation (and were
    replaced by their defaults): checks reading them are skipped.
    """
    problems: list[Problem] = []
    if not broken & _KIND_DEFAULTS_READS:
        problems.extend(_check_kind_defaults(config))
    if not broken & _NAMES_READS:
        problems.extend(_check_names_and_parents(config))
    for check in SEMANTIC_CHECKS:
        reads = CHECK_READS.get(check)
        skip = bool(broken) if reads is None else bool(broken & reads)
        if not skip:
            problems.extend(check(config))
    return problems


def dedupe(problems: Iterable[Problem]) -> list[Problem]:
    """Drop repeats (a bad site default would otherwise be reported once per target)."""
    seen: set[Problem] = set()
    out: list[Problem] = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out
