"""The pure parts of discovery and drift, on plain values: which ENTITY-MIB entry is the
chassis, how facts compare with the register, and os-release parsing."""

from __future__ import annotations

from monitord.assets.drift import compare, drift_results
from monitord.assets.snmp_facts import CLASS, CONTAINED_IN, chassis_index
from monitord.assets.ssh_facts import dmi_fact, parse_os_release
from monitord.snmp.values import ValueKind, VarBind


def _column(base: str, values: dict[str, int]) -> dict[str, VarBind]:
    return {index: VarBind(f"{base}.{index}", ValueKind.INTEGER, value) for index, value in values.items()}


def test_the_chassis_is_the_class_3_entry_else_the_first_top_level_one() -> None:
    assert chassis_index({CLASS: _column(CLASS, {"10": 9, "2": 3, "1": 3}), CONTAINED_IN: {}}) == "1"
    # Numeric order, not text order: 9 before 10.
    assert chassis_index({CLASS: _column(CLASS, {"10": 3, "9": 3})}) == "9"
    assert (
        chassis_index(
            {CLASS: _column(CLASS, {"5": 10}), CONTAINED_IN: _column(CONTAINED_IN, {"7": 0, "5": 7})}
        )
        == "7"
    )
    assert chassis_index({CLASS: {}, CONTAINED_IN: {}}) is None


def test_compare_names_each_difference_and_ignores_what_cannot_be_compared() -> None:
    register = {"serial": "FOC1", "model": "c9200-24p", "firmware": "17.9.4", "addresses": ["10.0.0.1"]}
    same = compare(
        register, {"serial": " foc1 ", "model": "C9200-24P", "firmware_rev": "17.9.4"}, ["10.0.0.1"]
    )
    assert set(same.values()) == {None}
    found = compare(register, {"serial": "FOC2", "firmware_rev": "17.12.1"}, ["10.0.0.2", "10.0.0.1"])
    assert found["serial"] == "serial differs: the register says FOC1, the device reports FOC2"
    assert found["model"] is None  # the device did not say
    assert found["firmware"] is not None and "17.9.4" in found["firmware"] and "17.12.1" in found["firmware"]
    assert found["address"] == "answers at 10.0.0.2, which the register does not link to the asset"
    empty = compare({"serial": None, "model": None, "firmware": None, "addresses": []}, {"serial": "X"}, [])
    assert set(empty.values()) == {None}  # an empty register field is not drift
    many = compare({"addresses": []}, {}, [f"10.0.0.{i}" for i in range(1, 13)])["address"]
    assert many is not None and many.endswith("and 2 more, which the register does not link to the asset")


def test_every_kind_is_published_with_its_tag_and_a_0_or_1() -> None:
    results = drift_results("SW-1", "hq", {"serial": "differs", "model": None})
    assert [(r.tags["drift"], r.fields["drift"], r.reason) for r in results] == [
        ("serial", 1, "differs"),
        ("model", 0, None),
        ("firmware", 0, None),
        ("address", 0, None),
    ]
    assert {(r.measurement, r.kind, r.target, r.tags["site"]) for r in results} == {
        ("asset_drift", "asset", "SW-1", "hq")
    }


def test_os_release_and_dmi_placeholders() -> None:
    text = (
        'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\n# comment\n'
        "PRETTY_NAME='Ubuntu 22.04.4 LTS'\nBAD=\"unclosed\n"
    )
    assert parse_os_release(text) == {
        "os_name": "Ubuntu",
        "os_version": "22.04",
        "os_id": "ubuntu",
        "os_pretty_name": "Ubuntu 22.04.4 LTS",
    }
    assert dmi_fact("To Be Filled By O.E.M.\n") is None
    assert dmi_fact("Default string") is None
    assert dmi_fact(" PowerEdge R650 \n") == "PowerEdge R650"
