"""docs/configuration.md is generated from the models and every field is described (issue 14).

The reference is only as good as the descriptions in the models, so a field
without one fails here by its path; and a model change that is not followed by
``make docs`` fails the staleness test with the command to run.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel, Field

import probes
from monitord.config import reference
from monitord.results import ProbeResult
from probes.base import ProbeKind, ProbeSettings, ProbeTarget

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "configuration.md"


def test_configuration_md_is_current() -> None:
    rendered = reference.render()
    assert PAGE.read_text(encoding="utf-8") == rendered, (
        "docs/configuration.md is stale: run `make docs` "
        "(.venv/bin/python -m monitord.config.reference > docs/configuration.md)"
    )


def test_every_reachable_field_has_a_description() -> None:
    missing = reference.undescribed()
    assert not missing, "fields without Field(description=...): " + ", ".join(missing)


def test_the_walk_reaches_nested_models_and_every_probe_kind() -> None:
    paths = {doc.path for doc in reference.all_fields()}
    # nested through a list, a dict and an optional model; an alias is shown as written in YAML
    for path in (
        "http.tokens[].token",
        "pos.stores.<name>.terminals.<name>.poll",
        "storage.influxdb.spool_fsync",
        "alerts.rules[].for",
        "alerts.rules[].match.result_tags",
        "notify.routes[].continue",
        "alerts.silences[].weekly.timezone",
    ):
        assert path in paths, path
    for kind in probes.REGISTRY:
        assert f"probes.{kind}.interval" in paths, kind
        assert f"### Probe kind `{kind}`" in reference.render(), kind


class _Undocumented(BaseModel):
    """A model as a new probe kind might arrive: one field described, one not."""

    described: int = Field(default=1, description="has one")
    bare: int = 2


class _Settings(ProbeSettings):
    extra: _Undocumented = Field(default_factory=_Undocumented, description="nested")


class _Kind(ProbeKind[_Settings]):
    name: ClassVar[str] = "zz_test"
    measurement: ClassVar[str] = "zz_test"
    settings_model: ClassVar[type[ProbeSettings]] = _Settings

    async def probe(self, target: ProbeTarget, settings: _Settings) -> ProbeResult:
        raise NotImplementedError


def test_a_new_probe_kind_is_walked_and_its_bare_field_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the two tests above would say about a kind registered without descriptions."""
    monkeypatch.setitem(probes.REGISTRY, "zz_test", _Kind)
    monkeypatch.setattr(reference, "REGISTRY", probes.REGISTRY)
    assert reference.undescribed() == ["probes.zz_test.extra.bare"]
    page = reference.render()
    assert "### Probe kind `zz_test`" in page
    assert "| `described` | integer | `1` |  | has one |" in page


def test_types_defaults_and_bounds_are_rendered() -> None:
    page = reference.render()
    # a duration with bounds, a secret, a literal, a required field
    assert "| `header_timeout` | duration | `10s` | 100ms to 5m |" in page
    assert "| `token` | secret | required |" in page
    assert "| `api` | `v2` \\| `v1` | `v2` |" in page
    assert "| `buffer_size` | integer | `200000` | 1000 to 10000000 |" in page
