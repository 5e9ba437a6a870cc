"""Close sites that provably cannot be in a better uncapacitated plan (p-median, UFL).

Rule: relax "each client served once" with prices lambda_i. A site's value is then
v_j = f_j + sum_i min(0, c_ij - lambda_i), and the relaxed problem opens the p
cheapest values (or every negative one without a site count). Its optimum is a lower
bound; forcing site j open costs at least v_j - v_(p) more, so when that lifts the bound
to the incumbent's objective or beyond, no strictly better plan opens j and the site is
dropped before the MIP is built. Subgradient steps use the incumbent as target (Polyak).
"""
from __future__ import annotations

import logging
import math

import numpy as np

from optimizer.facility_problem import FacilityProblem

log = logging.getLogger(__name__)


def _dense(p: FacilityProblem) -> tuple[np.ndarray, np.ndarray | None]:
    cost = p.cost_matrix().astype(float)
    cost[cost < 0] = np.inf
    penalty = None if p.unserved_penalty is None else np.asarray(p.unserved_penalty, float)
    return cost, penalty


def _relaxed(cost, penalty, f, lam, count):
    """Bound, chosen sites and site values for prices ``lam``."""
    reduced = np.minimum(cost - lam[:, None], 0.0)
    value = f + reduced.sum(axis=0)
    if count is None:
        chosen = value < 0
    else:
        chosen = np.zeros(len(f), dtype=bool)
        chosen[np.argsort(value, kind="stable")[:count]] = True
    bound = lam.sum() + value[chosen].sum()
    if penalty is not None:
        bound += np.minimum(penalty - lam, 0.0).sum()
    return bound, chosen, value, reduced


def lagrangian_bound(p: FacilityProblem, upper: float, *, iterations: int = 400,
                     choices: dict[bytes, np.ndarray] | None = None):
    """Best bound found, and the site values and prices that gave it.

    ``choices``, when given, collects every distinct site set the relaxation opened along
    the way (keyed by its bytes): good starting points for a swap search.
    """
    cost, penalty = _dense(p)
    f = np.asarray(p.fixed_costs, float)
    finite = np.where(np.isfinite(cost), cost, np.nan)
    lam = np.nanmin(finite, axis=1)  # start at each client's cheapest site
    lam = np.where(np.isfinite(lam), lam, 0.0 if penalty is None else penalty)
    if penalty is not None:
        lam = np.minimum(lam, penalty)
    best, best_value, best_lam, step, stall = -math.inf, None, lam, 2.0, 0
    for _ in range(iterations):
        bound, chosen, value, reduced = _relaxed(cost, penalty, f, lam, p.open_count)
        if choices is not None:
            choices.setdefault(chosen.tobytes(), chosen)
        if bound > best + 1e-9:
            best, best_value, best_lam, stall = bound, value, lam, 0
        else:
            stall += 1
            if stall >= 20:  # halve the step when the bound stops rising
                step, stall = step / 2, 0
        served = (reduced[:, chosen] < 0).sum(axis=1)
        if penalty is not None:
            served = served + (penalty < lam)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0 or step < 1e-4 or best >= upper - 1e-9:
            break
        lam = lam + step * (upper - bound) / norm * g
        if penalty is not None:
            lam = np.minimum(lam, penalty)
    return best, best_value, best_lam


def relaxed_choice(p: FacilityProblem, value: np.ndarray) -> np.ndarray:
    """Sites the relaxation opens: the p best values, or every site worth opening."""
    if p.open_count is None:
        return value < 0
    chosen = np.zeros(p.num_sites, dtype=bool)
    chosen[np.argsort(value, kind="stable")[: p.open_count]] = True
    return chosen


def best_choices(p: FacilityProblem, choices: dict[bytes, np.ndarray], count: int) -> list[np.ndarray]:
    """The ``count`` collected site sets whose plans (each client to its cheapest open site) cost least."""
    cost, penalty = _dense(p)
    f = np.asarray(p.fixed_costs, float)
    scored = []
    for mask in choices.values():
        if not mask.any():
            continue
        serve = cost[:, mask].min(axis=1)
        if penalty is not None:
            serve = np.minimum(serve, penalty)
        scored.append((float(f[mask].sum() + serve.sum()), mask))
    scored.sort(key=lambda t: t[0])  # stable: ties keep the order the relaxation met them in
    return [mask for _, mask in scored[:count]]


def usable_pairs(p: FacilityProblem, upper: float, info=None) -> np.ndarray | None:
    """Clients x sites mask of pairs a plan strictly cheaper than ``upper`` may use (integer costs).

    Site j open costs the bound at least ``extra_j``; client i using j (rather than its
    relaxed choice) adds max(0, c_ij - lambda_i) more. A better integer plan costs at most
    upper - 1, so anything whose bound exceeds that is out. ``info`` reuses a
    ``lagrangian_bound`` result. None if nothing could be said.
    """
    bound, value, lam = info if info is not None else lagrangian_bound(p, upper)
    if value is None:
        return None
    if p.open_count is None:
        extra = np.maximum(value, 0.0)  # forcing j open adds its positive value
    else:
        pivot = np.sort(value)[max(p.open_count, 1) - 1]
        extra = np.maximum(value - pivot, 0.0)
    cost, _ = _dense(p)
    with np.errstate(invalid="ignore"):
        pair = bound + extra[None, :] + np.maximum(cost - lam[:, None], 0.0)
    usable = np.isfinite(cost) & (pair <= upper - 1 + 1e-6)
    log.debug("%s: Lagrangian bound %.1f vs %.1f keeps %d of %d sites, %d of %d pairs", p.name, bound,
              upper, int(usable.any(axis=0).sum()), p.num_sites, int(usable.sum()), usable.size)
    return usable


def restrict(p: FacilityProblem, usable: np.ndarray) -> tuple[FacilityProblem, np.ndarray]:
    """The problem on sites with a usable pair and only usable pairs, plus original site indices."""
    idx = np.flatnonzero(usable.any(axis=0))
    if p.open_count is not None and len(idx) < p.open_count:
        idx = np.arange(p.num_sites)  # keep it well-formed; such a problem has no better plan anyway
    cost = p.cost_matrix()
    rows = [{int(k): int(cost[i, j]) for k, j in enumerate(idx) if usable[i, j]} for i in range(p.num_clients)]
    sub = FacilityProblem(
        capacities=[p.capacities[j] for j in idx],
        fixed_costs=[p.fixed_costs[j] for j in idx],
        demands=list(p.demands),
        costs=rows,
        single_source=p.single_source,
        open_count=p.open_count,
        unserved_penalty=p.unserved_penalty,
        name=p.name,
    )
    return sub, idx
