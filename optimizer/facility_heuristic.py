"""Quick feasible facility plans used as solver hints and incumbents.

Rule: open a good set of sites (greedy add for uncapacitated problems, greedy drop from
all-open for capacitated ones), send each client to its cheapest open site that still
has room (hardest-to-place clients first), then improve by moving and swapping clients.
Everything is deterministic, so a hint is reproducible for a given problem.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from optimizer.facility_problem import FacilityProblem, FacilitySolution, evaluate

log = logging.getLogger(__name__)

_INF = np.inf


class _Data:
    """Dense float views of a problem; the unserved option is a virtual last site."""

    def __init__(self, p: FacilityProblem):
        self.p = p
        self.m = p.num_sites
        self.d = np.asarray(p.demands, dtype=float)
        self.f = np.asarray(p.fixed_costs, dtype=float)
        cost = p.cost_matrix().astype(float)
        cost[cost < 0] = _INF
        cap = np.array([_INF if c is None else c for c in p.capacities], dtype=float)
        if p.single_source:
            cost[self.d[:, None] > cap[None, :]] = _INF  # a site too small for the whole client
        if p.unserved_penalty is not None:  # leaving a client unserved = a free, huge site
            cost = np.hstack([cost, np.asarray(p.unserved_penalty, float)[:, None]])
            cap = np.append(cap, _INF)
        self.c, self.cap = cost, cap
        self.unit = cost / np.where(self.d > 0, self.d, 1)[:, None]  # per-unit cost (split case)

    def with_virtual(self, open_mask: np.ndarray) -> np.ndarray:
        return np.append(open_mask, True) if self.c.shape[1] > self.m else open_mask


def _assign_single(data: _Data, open_mask: np.ndarray) -> np.ndarray | None:
    """Each client to one open site with room; None if every packing order leaves someone over.

    First pass: largest regret first, cheapest site with room. When capacity is tight
    that can strand a big client, so the fallbacks place big clients first (cheapest
    site with room, then the fullest site that still fits: best-fit decreasing).
    """
    mask = data.with_virtual(open_mask)
    cost = np.where(mask[None, :], data.c, _INF)
    two = np.partition(cost, 1, axis=1)[:, :2] if cost.shape[1] > 1 else np.hstack([cost, cost])
    with np.errstate(invalid="ignore"):  # inf - inf for clients with a single allowed site
        regret = np.where(np.isfinite(two[:, 1]), two[:, 1] - two[:, 0], 1e18)
    by_regret = np.lexsort((-data.d, -regret))
    by_size = np.lexsort((-regret, -data.d))
    for order, best_fit in ((by_regret, False), (by_size, False), (by_size, True)):
        site = _pack_in_order(data, cost, mask, order, best_fit)
        if site is not None:
            return site
    return None


def _pack_in_order(data: _Data, cost: np.ndarray, mask: np.ndarray, order: np.ndarray,
                   best_fit: bool) -> np.ndarray | None:
    rem = np.where(mask, data.cap, 0.0)
    site = np.empty(len(data.d), dtype=int)
    for i in order:
        fits = (rem >= data.d[i]) & np.isfinite(cost[i])
        if not fits.any():
            return None
        # best fit: least room left after placing (ties broken by cost)
        key = np.where(fits, rem - data.d[i] + cost[i] * 1e-9, _INF) if best_fit else np.where(fits, cost[i], _INF)
        j = int(np.argmin(key))
        site[i] = j
        rem[j] -= data.d[i]
    return site


def _improve_single(data: _Data, open_mask: np.ndarray, site: np.ndarray, deadline: float) -> np.ndarray:
    """Move a client to a cheaper open site with room, or swap two clients' sites, while it pays."""
    c, d, n = data.c, data.d, len(data.d)
    load = np.bincount(site, weights=d, minlength=c.shape[1])
    rem = np.where(data.with_virtual(open_mask), data.cap - load, -_INF)
    rows = np.arange(n)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for i in range(n):
            a = site[i]
            gain = c[i, a] - np.where(rem >= d[i], c[i], _INF)
            b = int(np.argmax(gain))
            if gain[b] > 1e-9:
                rem[a] += d[i]
                rem[b] -= d[i]
                site[i] = b
                improved = True
                continue
            # swap with client k at site b = site[k]: cost change and both sites' room
            cur = c[rows, site]
            delta = c[i, site] + c[rows, a] - c[i, a] - cur
            ok = (rem[a] + d[i] - d >= 0) & (rem[site] + d - d[i] >= 0) & (site != a)
            delta = np.where(ok, delta, _INF)
            k = int(np.argmin(delta))
            if delta[k] < -1e-9:
                b = site[k]
                rem[a] += d[i] - d[k]
                rem[b] += d[k] - d[i]
                site[i], site[k] = b, a
                improved = True
    return site


def _single_cost(data: _Data, open_mask: np.ndarray, site: np.ndarray) -> float:
    return float(data.f[open_mask].sum() + data.c[np.arange(len(site)), site].sum())


def _closest(data: _Data, open_mask: np.ndarray) -> np.ndarray:
    return np.argmin(np.where(data.with_virtual(open_mask)[None, :], data.c, _INF), axis=1)


def _open_uncapacitated(data: _Data, count: int | None, deadline: float,
                        start: np.ndarray | None = None) -> np.ndarray:
    """Greedy add (best saving first) unless a start is given, then swap sites while it pays."""
    m, c = data.m, data.c[:, : data.m]
    if start is not None:
        return _swap_search(data, start.copy(), deadline)
    best = data.c[:, m] if data.c.shape[1] > m else np.full(len(data.d), 1e18)
    open_mask = np.zeros(m, dtype=bool)
    while count is None or open_mask.sum() < count:
        saving = np.maximum(best[:, None] - c, 0).sum(axis=0) - data.f
        saving[open_mask] = -_INF
        j = int(np.argmax(saving))
        if saving[j] == -_INF or (count is None and saving[j] <= 0):
            break
        open_mask[j] = True
        best = np.minimum(best, c[:, j])
    return _swap_search(data, open_mask, deadline)


def _swap_search(data: _Data, open_mask: np.ndarray, deadline: float) -> np.ndarray:
    """Best-improvement swaps of one open and one closed site (Whitaker's fast interchange)."""
    m, c, f = data.m, data.c[:, : data.m], data.f
    for _ in range(10 * m):  # each pass makes one improving swap; the deadline bounds it too
        if time.perf_counter() > deadline or not open_mask.any() or open_mask.all():
            break
        site = _closest(data, open_mask)
        cur = data.c[np.arange(len(site)), site]
        masked = np.where(data.with_virtual(open_mask)[None, :], data.c, _INF)
        masked[np.arange(len(site)), site] = _INF
        second = masked.min(axis=1)
        base = _single_cost(data, open_mask, site)
        best_move, best_val = None, base - 1e-9
        for j in np.flatnonzero(~open_mask):  # Whitaker-style: price opening j against closing each r
            new = np.minimum(cur, c[:, j])
            # closing r sends its clients to min(second, c_ij); others keep min(cur, c_ij)
            extra = np.minimum(second, c[:, j]) - new
            loss = np.bincount(site, weights=np.where(site < m, extra, 0), minlength=data.c.shape[1])[:m]
            vals = base - cur.sum() + new.sum() + f[j] - f + loss
            vals[~open_mask] = _INF
            r = int(np.argmin(vals))
            if vals[r] < best_val:
                best_move, best_val = (j, r), vals[r]
        if best_move is None:
            break
        open_mask[best_move[0]], open_mask[best_move[1]] = True, False
    return open_mask


def _open_capacitated(data: _Data, count: int | None, deadline: float) -> np.ndarray | None:
    """Start all open and close the site whose closing saves most, until nothing saves (or count met)."""
    open_mask = np.ones(data.m, dtype=bool)
    site = _assign_single(data, open_mask)
    if site is None:
        return None
    cost = _single_cost(data, open_mask, site)
    while open_mask.sum() > 0 and time.perf_counter() < deadline:
        must = count is not None and open_mask.sum() > count
        best = (None, _INF if must else cost - 1e-9)
        for j in np.flatnonzero(open_mask):
            trial = open_mask.copy()
            trial[j] = False
            s = _assign_single(data, trial)
            if s is not None and (v := _single_cost(data, trial, s)) < best[1]:
                best = (j, v)
        if best[0] is None:
            break
        open_mask[best[0]] = False
        cost = best[1]
    return open_mask


def _assign_split(data: _Data, open_mask: np.ndarray) -> list[dict[int, int]] | None:
    """Fill each client from its cheapest per-unit open sites with room, largest regret first."""
    mask = data.with_virtual(open_mask)
    unit = np.where(mask[None, :], data.unit, _INF)
    rem = np.where(mask, data.cap, 0.0)
    two = np.partition(unit, 1, axis=1)[:, :2] if unit.shape[1] > 1 else np.hstack([unit, unit])
    with np.errstate(invalid="ignore"):
        order = np.argsort(-(np.nan_to_num(two[:, 1] - two[:, 0], nan=1e18, posinf=1e18)), kind="stable")
    out: list[dict[int, int]] = [{} for _ in range(len(data.d))]
    for i in order:
        need = int(data.d[i])
        for j in np.argsort(unit[i], kind="stable"):
            if need == 0 or not np.isfinite(unit[i, j]):
                break
            take = int(min(need, rem[j]))
            if take > 0:
                out[i][int(j)] = take
                rem[j] -= take
                need -= take
        if need:
            return None
    return out


def greedy_solution(p: FacilityProblem, *, time_budget: float = 2.0,
                    start_open: np.ndarray | None = None) -> FacilitySolution | None:
    """A feasible plan found greedily (None if the greedy gets stuck), within ``time_budget`` seconds.

    ``start_open`` (uncapacitated problems) replaces the greedy opening by a given site set,
    which the swap search then improves.
    """
    deadline = time.perf_counter() + time_budget
    data = _Data(p)
    if p.uncapacitated:
        open_mask = _open_uncapacitated(data, p.open_count, deadline, start_open)
    else:
        open_mask = _open_capacitated(data, p.open_count, deadline)
    if open_mask is None:
        return None
    if p.single_source or p.uncapacitated:
        site = _assign_single(data, open_mask)
        if site is None:
            return None
        site = _improve_single(data, open_mask, site, deadline)
        assignment = [{int(j): int(p.demands[i])} if j < data.m else {} for i, j in enumerate(site)]
    else:
        assignment = _assign_split(data, open_mask)
        if assignment is None:
            return None
        assignment = [{j: q for j, q in a.items() if j < data.m} for a in assignment]
    if p.open_count is None:  # a site nobody uses is pure cost
        used = {j for a in assignment for j in a}
        open_mask &= np.isin(np.arange(data.m), list(used))
    unserved = [int(p.demands[i]) - sum(a.values()) for i, a in enumerate(assignment)]
    sol = FacilitySolution(list(map(int, np.flatnonzero(open_mask))), assignment, unserved, 0.0)
    sol = FacilitySolution(sol.open_sites, assignment, unserved, evaluate(p, sol))
    log.debug("greedy %s: %d open, objective %.1f", p.name, len(sol.open_sites), sol.objective)
    return sol
