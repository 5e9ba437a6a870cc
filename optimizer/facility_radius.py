"""Uncapacitated facility location (p-median, UFL) in the compact radius formulation.

Rule: without capacities every client simply uses its cheapest open site, so only the
open sites are decided. For client i with distinct allowed costs D1 < D2 < ... , z_ik
says "no open site costs D_k or less"; the client pays D1 + sum_k (D_{k+1} - D_k) z_ik
(Elloumi 2010). Rows: z_i1 + sum_{c_ij = D1} y_j >= 1 and
z_ik + sum_{c_ij = D_k} y_j >= z_i,k-1, so each y_j appears once per client. With
exactly p open sites at most m - p are closed, so a client's m - p + 1 cheapest sites
always include an open one and costlier levels are dropped. An unserved penalty P_i
caps the levels: a client with no open site below P_i pays P_i.
"""
from __future__ import annotations

import numpy as np

from optimizer.facility_mip import MipModel, SparseBuilder
from optimizer.facility_problem import FacilityProblem


def build_radius(p: FacilityProblem, *, integral: bool = True) -> MipModel:
    """Radius-formulation MIP of an uncapacitated problem (every capacity None)."""
    if not p.uncapacitated:
        raise ValueError("the radius formulation needs uncapacitated sites")
    m, n = p.num_sites, p.num_clients
    b = SparseBuilder()
    y = b.add_vars(m, obj=np.asarray(p.fixed_costs, float), integer=True)
    keep_sites = m - p.open_count + 1 if p.open_count is not None else m
    rows, cols, vals = [], [], []
    row_lo: list[float] = []
    constant = 0.0
    next_row = 0
    for i in range(n):
        sites, costs = p.arcs.of(i)
        order = np.argsort(costs, kind="stable")
        sites, costs = sites[order], costs[order].astype(float)
        penalty = None if p.unserved_penalty is None else float(p.unserved_penalty[i])
        if penalty is not None:
            sites, costs = sites[costs < penalty], costs[costs < penalty]
        elif len(sites) >= keep_sites:
            # keep every site tied with the (m-p+1)-th cheapest: truncation by value stays exact
            limit = costs[keep_sites - 1]
            sites, costs = sites[costs <= limit], costs[costs <= limit]
        if len(sites) == 0:
            if penalty is None:
                raise ValueError(f"client {i} has no allowed site and no penalty")
            constant += penalty
            continue
        levels, start = np.unique(costs, return_index=True)
        group = np.searchsorted(levels, costs)  # level of each allowed site
        top = [penalty] if penalty is not None else []
        steps = np.diff(np.concatenate([levels, top]))  # price of missing each level
        z = b.add_vars(len(steps), obj=steps) if len(steps) else np.zeros(0, dtype=np.int64)
        constant += levels[0]
        # level k row: z_k - z_{k-1} + sum_{sites at level k} y >= (1 if k == 0 else 0)
        k_count = len(levels)
        rows.append(group + next_row)
        cols.append(y[sites])
        vals.append(np.ones(len(sites)))
        has_z = np.arange(k_count) < len(z)
        rows.append(np.flatnonzero(has_z) + next_row)
        cols.append(z)
        vals.append(np.ones(len(z)))
        prev = np.arange(1, k_count)  # rows 1.. subtract the previous level's z
        rows.append(prev + next_row)
        cols.append(z[prev - 1])
        vals.append(-np.ones(len(prev)))
        row_lo.extend([1.0] + [0.0] * (k_count - 1))
        next_row += k_count
    b.add_rows(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
               np.array(row_lo), np.inf)
    if p.open_count is not None:
        b.add_rows(np.zeros(m), y, np.ones(m), float(p.open_count), float(p.open_count))
    model = b.build(integral, offset=constant)
    empty = np.zeros(0, dtype=np.int64)
    return MipModel(model, y, empty, empty, empty, None, kind="radius")
