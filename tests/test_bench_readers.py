"""Benchmark readers on the real public files, and the small instances solved to their published optima."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optimizer.bench.readers import read_cflp, read_optima, read_pmedian, read_sscflp
from optimizer.bench.runner import BenchRow, matches_reference, run_bench, write_bench_csv

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"


def need(*parts: str) -> Path:
    path = BENCH.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


def test_cflp_reader_scales_costs_exactly():
    path = need("cflp_orlib", "cap41.txt")
    problem, scale = read_cflp(path)
    tokens = path.read_text().split()
    m, n = int(tokens[0]), int(tokens[1])
    assert (problem.num_sites, problem.num_clients) == (m, n)
    assert not problem.single_source
    assert scale in (1, 10, 100, 1000, 10_000, 100_000)
    first_demand = int(tokens[2 + 2 * m])
    first_costs = [float(t) for t in tokens[3 + 2 * m : 3 + 3 * m]]
    assert problem.demands[0] == first_demand
    assert np.allclose(problem.cost_matrix()[0] / scale, first_costs)
    assert problem.fixed_costs[0] / scale == float(tokens[3])


def test_sscflp_reader_is_facility_major_and_ignores_padding(tmp_path):
    path = need("sscflp_holmberg", "p1")
    problem, scale = read_sscflp(path)
    tokens = path.read_bytes().replace(b"\0", b" ").split()
    j_count, i_count = int(tokens[0]), int(tokens[1])
    assert (problem.num_sites, problem.num_clients) == (j_count, i_count)
    costs_start = 2 + 2 * j_count + i_count
    # second facility's cost to the first customer sits i_count tokens later in the file
    assert problem.cost_matrix()[0, 1] == int(float(tokens[costs_start + i_count])) * scale
    padded = tmp_path / "p1"
    padded.write_bytes(path.read_bytes().rstrip(b"\0") + b"\n 7 7 7 \0\0\0")
    again, _ = read_sscflp(padded)
    assert np.array_equal(again.cost_matrix(), problem.cost_matrix())


def test_pmedian_reader_keeps_the_last_copy_of_an_edge(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text("3 3 1\n1 2 5\n2 3 1\n1 2 9\n")  # edge 1-2 repeated: 9 wins, not min 5
    problem, _ = read_pmedian(f)
    dist = problem.cost_matrix()
    assert dist[0, 1] == 9 and dist[0, 2] == 10 and dist[1, 2] == 1
    path = need("pmedian_orlib", "pmed1.txt")
    problem, _ = read_pmedian(path)
    dist = problem.cost_matrix()
    assert problem.open_count == int(path.read_text().split()[2])
    assert (dist == dist.T).all() and (np.diag(dist) == 0).all()


def test_read_optima_gives_value_kind_and_sense():
    optima = read_optima(need("cflp_orlib", "optima.csv"))
    value, kind, sense = optima["cap41"]
    assert isinstance(value, float) and kind in {"optimal", "best_known", "lower_bound"} and sense == "min"


@pytest.mark.parametrize("family, folder, name", [
    ("cflp", "cflp_orlib", "cap41.txt"),
    ("sscflp", "sscflp_holmberg", "p1"),
    ("pmedian", "pmedian_orlib", "pmed1.txt"),
])
def test_small_instances_reach_their_published_optimum(family, folder, name, tmp_path):
    path = need(folder, name)
    rows = run_bench(family, [path], time_limit=60, workers=1, seed=0)
    (row,) = rows
    assert row.instance == path.stem
    assert row.status == "OPTIMAL"
    assert matches_reference(row), row
    out = tmp_path / "bench.csv"
    write_bench_csv(rows, out)
    header, line = out.read_text().splitlines()
    assert header == ",".join(BenchRow._fields)
    assert line.startswith(f"{path.stem},OPTIMAL,")
