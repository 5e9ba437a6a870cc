"""The seeded instance generator: reproducible bytes, valid data, realistic sizes.

TNTP-based cases skip when shared/benchmarks is not found; the synthetic network needs no
files and always runs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import pytest

from generator import benchmarks_dir, generate_instance
from models import Instance
from models.io import dump_json
from models.references import reference_problems

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "instances" / "demo-county.json"
CITY = REPO / "instances" / "city.json"


def _have_benchmarks() -> bool:
    try:
        benchmarks_dir()
    except ValueError:
        return False
    return True


needs_tntp = pytest.mark.skipif(not _have_benchmarks(), reason="shared/benchmarks (TNTP networks) not found")


@pytest.fixture(scope="module")
def synthetic() -> Instance:
    return generate_instance("synthetic", None, seed=11)


@pytest.fixture(scope="module")
def county() -> Instance:
    if not _have_benchmarks():
        pytest.skip("shared/benchmarks (TNTP networks) not found")
    return generate_instance("sioux-falls", None, seed=2022)


def test_same_seed_same_bytes_synthetic(synthetic):
    assert dump_json(generate_instance("synthetic", None, seed=11)) == dump_json(synthetic)


@needs_tntp
def test_same_seed_same_bytes_sioux_falls(county):
    assert dump_json(generate_instance("sioux-falls", None, seed=2022)) == dump_json(county)


def test_different_seed_different_instance(synthetic):
    assert dump_json(generate_instance("synthetic", None, seed=12)) != dump_json(synthetic)


@pytest.mark.parametrize("which", ["synthetic", "county"])
def test_round_trip_validates_without_reference_problems(which, request):
    inst = request.getfixturevalue(which)
    again = Instance.model_validate(json.loads(dump_json(inst)))
    assert reference_problems(again) == []
    assert dump_json(again) == dump_json(inst)


@needs_tntp
def test_committed_demo_county_is_a_fresh_generation(county):
    """instances/demo-county.json = generate_instance("sioux-falls", None, seed=2022), byte for byte."""
    _assert_fresh(DEMO, county, "sioux-falls")


@needs_tntp
@pytest.mark.slow
def test_committed_city_is_a_fresh_generation():
    _assert_fresh(CITY, generate_instance("chicago", None, seed=2022), "chicago")


def _assert_fresh(path: Path, fresh: Instance, network: str) -> None:
    committed = path.read_text(encoding="utf-8")
    if committed == dump_json(fresh):
        return
    old = json.loads(committed)
    new = json.loads(dump_json(fresh))
    what = "only the policy defaults" if {**old, "policy": None} == {**new, "policy": None} else "the content"
    pytest.fail(f"{path.name} is stale ({what} changed): regenerate it with "
                f"`fangkong generate --network {network} --seed 2022 -o {path.relative_to(REPO)}` "
                "(see instances/README.md)")


@needs_tntp
def test_demo_county_sizes(county):
    """DOMAIN.md county: ~24 townships, ~0.8 M people, ~800–1,000 grids, ~150 sites, ~10 sites, ~40 vehicles."""
    assert len(county.townships) == 24
    assert 650_000 <= sum(t.population for t in county.townships) <= 950_000
    assert 700 <= len(county.grids) <= 1000
    assert 110 <= len(county.sampling_sites) <= 220
    assert 3 <= len(county.labs) <= 4
    assert 1_800 <= len(county.staff) <= 3_600
    assert len(county.isolation_sites) == 10 and 2 <= sum(s.reserve for s in county.isolation_sites) <= 3
    assert 35 <= len(county.vehicles) <= 45
    assert 20 <= sum(c.township == _sealed(county).id for c in county.cases) <= 40
    assert sum(t.risk_level == "medium" for t in county.townships) == 1
    assert 100 <= len(county.road_arcs) <= 500


@pytest.mark.parametrize("which", ["synthetic", "county"])
def test_realistic_content(which, request):
    inst = request.getfixturevalue(which)
    assert all(800 * 0.85 <= g.population <= 1200 * 1.1 for g in inst.grids)
    assert all(abs(g.households - g.population / 2.6) <= 0.05 * g.population / 2.6 + 1 for g in inst.grids)
    assert len({t.name for t in inst.townships}) == len(inst.townships)
    assert all(2 <= s.max_desks <= 12 for s in inst.sampling_sites)
    assert all(8 <= p.hours_per_day <= 12 for p in inst.staff)
    assert any(p.days_in_row >= inst.policy.staff.max_days_in_row for p in inst.staff)
    assert any(p.closed_loop_site for p in inst.staff)
    assert all(5 <= c.estimated_contacts <= 60 for c in inst.cases)
    assert {c.category for c in inst.cohorts} == {"close_contact", "secondary_contact", "inbound"}
    assert all(a.road_class == "expressway" for a in inst.road_arcs if a.toll_exit)
    assert any(a.toll_exit for a in inst.road_arcs)


def _sealed(inst: Instance):
    sealed = [t for t in inst.townships if t.sealed]
    assert len(sealed) == 1 and sealed[0].risk_level == "high"
    return sealed[0]


@pytest.mark.parametrize("which", ["synthetic", "county"])
def test_sealed_township_grids_and_sites_lie_in_it(which, request):
    """Every grid and site of the sealed township is nearer its seat than any other seat."""
    inst = request.getfixturevalue(which)
    sealed = _sealed(inst)

    def home(p):
        return min(inst.townships, key=lambda t: (math.dist((p.x, p.y), (t.center.x, t.center.y)), t.id)).id

    assert all(home(g.location) == sealed.id for g in inst.grids if g.township == sealed.id)
    in_zone = [s for s in inst.sampling_sites if s.township == sealed.id]
    assert in_zone and all(home(s.location) == sealed.id for s in in_zone)
    assert not any(t.sealed for t in inst.townships if t.id in {lab.township for lab in inst.labs})


@pytest.mark.parametrize("which", ["synthetic", "county"])
def test_lifelines_reachable_within_budget_on_the_open_network(which, request):
    inst = request.getfixturevalue(which)
    graph = nx.DiGraph()
    for a in inst.road_arcs:
        graph.add_edge(a.tail, a.head, weight=a.free_flow_min)
    sources = inst.by_id("sources")
    towns = inst.by_id("townships")
    assert {lf.township for lf in inst.lifelines} >= set(towns)
    for lf in inst.lifelines:
        start = sources[lf.source].node
        reach = nx.single_source_dijkstra_path_length(graph, start)
        ends = [n for n in inst.road_nodes if n.township == lf.township and n.id in reach]
        assert ends, f"{lf.id}: {lf.township} unreachable from {lf.source}"
        assert min(reach[n.id] for n in ends) <= lf.time_budget_min


@pytest.mark.parametrize("which", ["synthetic", "county"])
def test_granting_every_closure_request_would_cut_a_lifeline(which, request):
    """Some requested closures (封堵) cut a lifeline: the plan must refuse at least one of them."""
    inst = request.getfixturevalue(which)
    asked = {r.arc for r in inst.closure_requests}
    assert asked and all(r.requested_by in inst.by_id("townships") for r in inst.closure_requests)
    graph = nx.DiGraph()
    for a in inst.road_arcs:
        if a.id not in asked:
            graph.add_edge(a.tail, a.head, weight=a.free_flow_min)
    sources = inst.by_id("sources")

    def within_budget(lf) -> bool:
        start = sources[lf.source].node
        reach = nx.single_source_dijkstra_path_length(graph, start) if start in graph else {}
        ends = [reach[n.id] for n in inst.road_nodes if n.township == lf.township and n.id in reach]
        return bool(ends) and min(ends) <= lf.time_budget_min

    assert not all(within_budget(lf) for lf in inst.lifelines)


@pytest.mark.parametrize("which", ["synthetic", "county"])
def test_a_few_grids_have_no_site_in_walking_range(which, request):
    from optimizer.geometry import site_may_serve

    inst = request.getfixturevalue(which)
    stranded = [g for g in inst.grids if not any(site_may_serve(inst, g, s) for s in inst.sampling_sites)]
    assert 1 <= len(stranded) <= 0.01 * len(inst.grids) + 3


def test_synthetic_sizes(synthetic):
    """Default synthetic: a county of 20 townships; above 60 townships the city profile."""
    assert len(synthetic.townships) == 20 and synthetic.name.startswith("示范县")
    assert 500_000 <= sum(t.population for t in synthetic.townships) <= 800_000
    city = generate_instance("synthetic", 70, seed=3)
    assert len(city.townships) == 70 and city.name.startswith("示范市")
    assert sum(t.risk_level == "medium" for t in city.townships) == 2


def test_bad_arguments_are_value_errors(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="unknown network"):
        generate_instance("atlantis", None, seed=1)
    with pytest.raises(ValueError, match="at least 2"):
        generate_instance("synthetic", 1, seed=1)
    monkeypatch.setenv("FANGKONG_BENCHMARKS", str(tmp_path))
    with pytest.raises(ValueError, match="FANGKONG_BENCHMARKS"):
        generate_instance("sioux-falls", None, seed=1)
