"""The line-protocol serialiser: escaping per dialect, value spellings, chunking (pure logic)."""

from __future__ import annotations

import pytest

from monitord.results import ProbeResult
from monitord.sinks.influx.lineproto import LineEncoder


def result(**overrides: object) -> ProbeResult:
    values: dict[str, object] = {
        "measurement": "icmp",
        "target": "gw",
        "kind": "icmp",
        "time_ns": 1_700_000_000_123_456_789,
        "ok": True,
        "fields": {"up": 1},
        "tags": {},
    }
    values.update(overrides)
    return ProbeResult(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("dialect", "name", "measurement", "key"),
    [
        ("v2", "a b", "a\\ b", "a\\ b"),
        ("v2", "a,b", "a\\,b", "a\\,b"),
        ("v2", "a=b", "a=b", "a\\=b"),
        ("v2", "a\\b", "a\\\\b", "a\\\\b"),
        ("v2", "end\\", "end\\\\", "end\\\\"),
        ("v2", "new\nline", "new\\nline", "new\\nline"),
        ("v2", 'q"t', 'q"t', 'q"t'),
        ("v2", "ünï ✓", "ünï\\ ✓", "ünï\\ ✓"),
        ("v1", "a\\b", "a\\b", "a\\b"),
        ("v1", "end\\", "end", "end"),
        ("v1", "a\\,b", "a\\,b", "a\\\\,b"),
        ("v1", "new\nline", "new\\nline", "new\\nline"),
    ],
)
def test_names_are_escaped_per_dialect(dialect: str, name: str, measurement: str, key: str) -> None:
    encoder = LineEncoder(dialect)  # type: ignore[arg-type]
    assert encoder.measurement(name) == measurement
    assert encoder.key(name) == key


def test_field_keys_escape_quotes_for_v2_and_drop_unwritable_backslashes_for_v1() -> None:
    assert LineEncoder("v2").field_key('f"q') == 'f\\"q'
    assert LineEncoder("v1").field_key('f"q') == 'f"q'
    assert LineEncoder("v1").field_key("a\\,b") == "a\\,b"
    assert LineEncoder("v1").field_key("a\\x") == "a\\x"


@pytest.mark.parametrize(
    ("value", "spelled"),
    [
        (1, "1i"),
        (-5, "-5i"),
        (True, "true"),
        (False, "false"),
        (1.5, "1.5"),
        (1e-300, "1e-300"),
        (2**70, "1.1805916207174113e+21"),
        ('say "hi" \\ \n', '"say \\"hi\\" \\\\ \\n"'),
        ("", '""'),
        (float("nan"), None),
        (float("inf"), None),
    ],
)
def test_field_values(value: object, spelled: str | None) -> None:
    assert LineEncoder().field_value(value) == spelled  # type: ignore[arg-type]


def test_line_sorts_tags_leaves_out_empty_ones_and_applies_precision() -> None:
    line = result(tags={"site": "hq", "": "x", "zone": "", "a": "1"}, fields={"up": 1, "rtt": 0.5})
    assert LineEncoder(precision="ns").line(line) == (
        "icmp,a=1,site=hq,target=gw up=1i,rtt=0.5 1700000000123456789"
    )
    assert LineEncoder(precision="ms").line(line) == "icmp,a=1,site=hq,target=gw up=1i,rtt=0.5 1700000000123"
    assert LineEncoder(precision="s").line(result(target="")) == "icmp up=1i 1700000000"


def test_a_tag_named_target_overrides_the_target() -> None:
    line = LineEncoder().line(result(tags={"target": "other"}))
    assert line == "icmp,target=other up=1i 1700000000123456789"


def test_results_without_a_writable_field_or_measurement_are_skipped_and_counted() -> None:
    encoder = LineEncoder()
    lines = list(
        encoder.lines(
            [
                result(fields={"rtt": float("nan")}),
                result(measurement=""),
                result(fields={"": 1}),
                result(),
            ]
        )
    )
    assert lines == ["icmp,target=gw up=1i 1700000000123456789"]
    assert encoder.skipped == 3


def test_encode_chunks_by_batch_size() -> None:
    encoder = LineEncoder()
    chunks = encoder.encode([result(time_ns=index) for index in range(7)], batch_size=3)
    assert [chunk.points for chunk in chunks] == [3, 3, 1]
    assert chunks[0].body == b"icmp,target=gw up=1i 0\nicmp,target=gw up=1i 1\nicmp,target=gw up=1i 2"
    assert encoder.encode([], batch_size=3) == []
