"""Readers that turn public facility-location benchmark files into FacilityProblems.

Formats are described in ``shared/benchmarks/README.md``. Fractional data is scaled to
integers exactly by the smallest power of ten that makes every number whole; the
returned ``scale`` divides the model objective back into the file's units.
"""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from optimizer.facility_problem import FacilityProblem


class Loaded(NamedTuple):
    """A benchmark instance as a FacilityProblem; objective in file units = model objective / scale."""

    problem: FacilityProblem
    scale: int


def _tokens(path: Path) -> list[str]:
    # Holmberg files end in NUL padding; a NUL is never part of a number.
    return Path(path).read_bytes().replace(b"\0", b" ").decode("ascii").split()


def _decimal_scale(tokens: list[str]) -> int:
    """Smallest power of ten turning every token into an integer."""
    places = 0
    for t in tokens:
        exp = Decimal(t).normalize().as_tuple().exponent
        places = max(places, -exp if isinstance(exp, int) else 0)
    return 10**places


def _scaled(tokens: list[str], scale: int) -> list[int]:
    out = []
    for t in tokens:
        v = Decimal(t) * scale
        if v != v.to_integral_value():
            raise ValueError(f"{t} is not a multiple of 1/{scale}")
        out.append(int(v))
    return out


def _whole(tokens: list[str], what: str) -> list[int]:
    """Demand units must be whole: the models count them, they do not scale them."""
    try:
        return _scaled(tokens, 1)
    except ValueError as exc:
        raise ValueError(f"{what} must be whole numbers: {exc}") from None


def read_cflp(path: Path) -> Loaded:
    """OR-Library capacitated warehouse location: split demand, costs for ALL of a customer's demand."""
    t = _tokens(path)
    m, n = int(t[0]), int(t[1])
    pos = 2
    caps, fixed = t[pos : pos + 2 * m : 2], t[pos + 1 : pos + 2 * m : 2]
    pos += 2 * m
    demands, cost_rows = [], []
    for _ in range(n):
        demands.append(t[pos])
        cost_rows.append(t[pos + 1 : pos + 1 + m])
        pos += 1 + m
    money = fixed + [c for row in cost_rows for c in row]
    scale = _decimal_scale(money)
    cost = np.array(_scaled([c for row in cost_rows for c in row], scale), dtype=np.int64)
    problem = FacilityProblem(
        capacities=_whole(caps, "capacities"),
        fixed_costs=_scaled(fixed, scale),
        demands=_whole(demands, "demands"),
        costs=cost.reshape(n, m),
        single_source=False,
        name=Path(path).stem,
    )
    return Loaded(problem, scale)


def read_sscflp(path: Path) -> Loaded:
    """Holmberg single-source CFLP: ``J I``, J x (capacity, fixed), I demands, J rows of I costs."""
    t = _tokens(path)
    j_count, i_count = int(t[0]), int(Decimal(t[1]))
    need = 2 + 2 * j_count + i_count + j_count * i_count
    if len(t) < need:
        raise ValueError(f"{path}: {len(t)} tokens, expected {need}")
    t = t[:need]  # some files carry trailing junk after the cost block
    pos = 2
    caps, fixed = t[pos : pos + 2 * j_count : 2], t[pos + 1 : pos + 2 * j_count : 2]
    pos += 2 * j_count
    demands = t[pos : pos + i_count]
    pos += i_count
    costs = t[pos:]
    scale = _decimal_scale(fixed + costs)
    by_site = np.array(_scaled(costs, scale), dtype=np.int64).reshape(j_count, i_count)
    problem = FacilityProblem(
        capacities=_whole(caps, "capacities"),
        fixed_costs=_scaled(fixed, scale),
        demands=_whole(demands, "demands"),
        costs=np.ascontiguousarray(by_site.T),  # facility-major in the file
        single_source=True,
        name=Path(path).stem,
    )
    return Loaded(problem, scale)


def read_pmedian(path: Path) -> Loaded:
    """OR-Library p-median: ``n edges p`` then ``i j cost``; the last copy of an edge wins."""
    t = _tokens(path)
    n, e, p = int(t[0]), int(t[1]), int(t[2])
    edges: dict[tuple[int, int], int] = {}
    for k in range(e):
        i, j, c = (int(x) for x in t[3 + 3 * k : 6 + 3 * k])
        if i != j:
            edges[(min(i, j) - 1, max(i, j) - 1)] = c
    (rows, cols), vals = zip(*edges.keys()), list(edges.values())
    graph = csr_matrix((vals, (rows, cols)), shape=(n, n))
    dist = shortest_path(graph, method="D", directed=False)
    if not np.isfinite(dist).all():
        raise ValueError(f"{path}: graph is not connected")
    problem = FacilityProblem(
        capacities=[None] * n,
        fixed_costs=[0] * n,
        demands=[1] * n,
        costs=np.rint(dist).astype(np.int64),
        single_source=True,
        open_count=p,
        name=Path(path).stem,
    )
    return Loaded(problem, 1)


def read_optima(csv_path: Path, sense: str | None = None) -> dict[str, tuple[float, str, str]]:
    """Published values keyed by instance name: (objective, kind, sense).

    A name may be published in both senses (OR-Library gap files): pass ``sense`` to pick one.
    """
    with open(csv_path, newline="") as fh:
        return {
            row["instance"]: (float(row["objective"]), row["kind"], row["sense"])
            for row in csv.DictReader(fh)
            if sense is None or row["sense"] == sense
        }
