"""Rendezvous hashing as pure logic: balance, minimal movement, zones and parents."""

from __future__ import annotations

from collections import Counter

from monitord.cluster.hashing import Node, assign, owner_of
from probes.base import ProbeTarget


def targets(count: int, **extra: str) -> list[ProbeTarget]:
    return [ProbeTarget(name=f"t{i}", address="127.0.0.1", site=f"s{i % 7}", **extra) for i in range(count)]


def test_balanced_and_only_the_newcomer_takes() -> None:
    many = targets(3000)
    three = assign(many, [Node("a"), Node("b"), Node("c")])
    counts = Counter(three.values())
    assert all(abs(n - 1000) <= 100 for n in counts.values()), counts
    four = assign(many, [Node("a"), Node("b"), Node("c"), Node("d")])
    moved = {name for name in three if three[name] != four[name]}
    assert all(four[name] == "d" for name in moved)
    assert abs(len(moved) - 750) <= 75


def test_a_leaving_node_hands_only_its_own_targets_on() -> None:
    many = targets(1000)
    three = assign(many, [Node("a"), Node("b"), Node("c")])
    two = assign(many, [Node("a"), Node("b")])
    for name, owner in three.items():
        if owner != "c":
            assert two[name] == owner


def test_zones_and_sites_narrow_the_candidates() -> None:
    core = ProbeTarget(name="sw1", address="127.0.0.1", site="hq", zone="core")
    store = ProbeTarget(name="till", address="127.0.0.1", site="store-9", zone="pos")
    bare = ProbeTarget(name="printer", address="127.0.0.1", site="hq")
    nodes = [Node("a", zones=frozenset({"core"})), Node("b", sites=frozenset({"store-9"})), Node("c")]
    owners = assign([core, store, bare], nodes)
    assert owners["sw1"] in {"a", "c"}
    assert owners["till"] in {"b", "c"}
    assert owners["printer"] == "c"  # a probes zones only, b another site
    assert assign([store], [Node("a", zones=frozenset({"core"}))]) == {"till": None}


def test_children_follow_their_root() -> None:
    router = ProbeTarget(name="r1", address="127.0.0.1", site="s")
    children = [ProbeTarget(name=f"c{i}", address="127.0.0.1", site="s", parent="r1") for i in range(50)]
    owners = assign([router, *children], [Node("a"), Node("b"), Node("c")])
    assert set(owners.values()) == {owners["r1"]}


def test_owner_is_stable_and_empty_without_nodes() -> None:
    assert owner_of("x", ["a", "b"]) == owner_of("x", ["b", "a"])
    assert owner_of("x", []) is None


def test_the_configuration_hash_ignores_what_differs_per_node() -> None:
    from monitord.cluster.confighash import config_hash
    from monitord.config.loader import build_config

    url = "postgresql+asyncpg://monitord@127.0.0.1/monitord"

    def doc(node: str, listen: str, udp: str, **extra: object) -> dict[str, object]:
        return {
            "storage": {"state_url": url},
            "cluster": {"node": node},
            "http": {"listen": listen},
            "pos": {"udp": {"listen": udp}},
            **extra,
        }

    a = build_config(doc("a", "127.0.0.1:8470", "127.0.0.1:8471")).config
    b = build_config(doc("b", "127.0.0.1:9470", "127.0.0.1:9471")).config
    c = build_config(
        doc("c", "127.0.0.1:8470", "127.0.0.1:8471", alerts={"evaluation_interval": "2s"})
    ).config
    assert config_hash(a) == config_hash(b)
    assert config_hash(a) != config_hash(c)
