"""The configuration examples in docs/probes/{http,tls,dns}.md validate with the real settings models."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from probes import REGISTRY

DOCS = Path(__file__).resolve().parents[2] / "docs" / "probes"
PAGES = [DOCS / f"{kind}.md" for kind in ("http", "tls", "dns")]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_yaml_example_validates(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "intranet-authorization").write_text("Bearer example-token\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    blocks = re.findall(r"```yaml\n(.*?)```", page.read_text(), re.DOTALL)
    assert blocks, f"{page.name} has no yaml example"
    checked = 0
    for block in blocks:
        for target in yaml.safe_load(block)["targets"]:
            for kind, values in target["probes"].items():
                settings = REGISTRY[kind].settings_model.model_validate(values)
                checked += 1
                assert "example-token" not in repr(settings)
    assert checked


def test_every_setting_is_in_the_table() -> None:
    """Each settings model field (beyond interval/timeout) is documented on its kind's page."""
    for page in PAGES:
        text = page.read_text()
        model = REGISTRY[page.stem].settings_model
        missing = [
            name
            for name in model.model_fields
            if name not in ("interval", "timeout") and f"`{name}`" not in text
        ]
        assert not missing, f"{page.name} does not document {missing}"
