"""Stage 0: which alerts the configuration still covers.

An alert belongs to a rule, a target and, for probe rules, the probe that
measures it. When a reload or a restart removes or changes any of the three,
nothing will ever resolve the alert by evaluation again, so it ends here: the
evaluator resolves it with one of the reasons below, its ticket records the
recovery, and every route that heard it fire hears it end.

"Changed" for a probe means a change of what is measured (address, port,
command, OIDs...), not of when (``interval``, ``timeout``): each (target, kind)
has a digest of its measuring settings. The digests of the running
configuration are kept in the state store, so a restart with a changed file
finds the same changes a reload would.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

from alerts.rules import AlertRule
from alerts.state import Alert
from monitord.config.resolve import ResolvedTarget
from probes import REGISTRY

TARGET_REMOVED = "target removed"
PROBE_REMOVED = "probe removed"
PROBE_CHANGED = "probe changed"
RULE_REMOVED = "rule removed"
RULE_CHANGED = "rule changed"
ENDINGS = frozenset({TARGET_REMOVED, PROBE_REMOVED, PROBE_CHANGED, RULE_REMOVED, RULE_CHANGED})

# Settings that say when a probe runs, not what it measures.
SCHEDULING = frozenset({"interval", "timeout"})

# (target, kind) -> digest of what that probe measures
Digests = dict[tuple[str, str], str]


def probe_digest(resolved: ResolvedTarget, kind: str) -> str:
    settings = resolved.probes[kind]
    measured = {
        "address": resolved.target.address,
        "settings": settings.model_dump(mode="json", exclude=set(SCHEDULING)),
    }
    text = json.dumps(measured, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def digests_of(targets: Iterable[ResolvedTarget]) -> Digests:
    return {(r.target.name, kind): probe_digest(r, kind) for r in targets for kind in r.probes}


def digests_to_json(digests: Digests) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for (target, kind), digest in digests.items():
        out.setdefault(target, {})[kind] = digest
    return out


def digests_from_json(value: object) -> Digests | None:
    if not isinstance(value, dict):
        return None
    return {
        (str(target), str(kind)): str(digest)
        for target, kinds in value.items()
        if isinstance(kinds, dict)
        for kind, digest in kinds.items()
    }


def probe_kinds() -> frozenset[str]:
    return frozenset(REGISTRY)


def why_ended(  # noqa: PLR0917
    alert: Alert,
    rule: AlertRule | None,
    old_rule: AlertRule | None,
    targets: Mapping[str, ResolvedTarget],
    old: Digests | None,
    new: Digests,
    present: Mapping[str, frozenset[str]],
) -> str | None:
    """Why ``alert`` no longer has a rule, target or probe behind it, or None if it has.

    ``present`` names what exists for kinds that are not probes (POS stores); an
    alert of a kind nobody vouches for (IPAM findings) is left to its own source.
    """
    if rule is None:
        return RULE_REMOVED
    if old_rule is not None and (old_rule.kind, old_rule.measurement) != (rule.kind, rule.measurement):
        return RULE_CHANGED
    kind = rule.kind
    if kind is None:
        return None
    if kind in present:
        # POS terminals are keyed "store/terminal": they go with their store.
        return None if alert.target.split("/", 1)[0] in present[kind] else TARGET_REMOVED
    if kind not in probe_kinds():
        return None
    resolved = targets.get(alert.target)
    if resolved is None:
        return TARGET_REMOVED
    if kind not in resolved.probes:
        return PROBE_REMOVED
    before = None if old is None else old.get((alert.target, kind))
    if before is not None and before != new.get((alert.target, kind)):
        return PROBE_CHANGED
    if not rule.match.covers(resolved.target):
        return RULE_CHANGED
    return None
