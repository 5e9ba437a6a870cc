"""Each investigator's possible case bundles in a near-optimal plan, as table constraints.

Under task prices ``p`` a plan costs ``sum(p) + sum_i (bundle cost_i - p(bundle_i))``,
and each agent's term is at least its best knapsack value ``K_i``. So in a plan costing
at most ``target`` every agent's excess over ``K_i`` fits in ``target - bound``, and
the sum of the excesses does too. When the gap is small, few bundles per agent qualify:
they are enumerated exactly and handed to CP-SAT as a table over the agent's assignment
literals plus an integer "excess" variable, with one budget row over all excesses.
These constraints hold for every plan within the target, so they cut nothing optimal.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from ortools.sat.python import cp_model

from optimizer.assignment_relax import EPS, MinForm


class Bundles(NamedTuple):
    """All qualifying bundles of one agent over its undecided tasks, with their excess in scaled units."""

    agent: int
    tasks: list[int]
    rows: list[list[int]]
    excess: list[int]


class BundleCuts(NamedTuple):
    """Bound over the residual pairs, the excess budget (scaled) and the agents' bundle tables."""

    bound: float
    budget: int
    scale: float
    agents: list[Bundles]
    complete: bool = True

    @property
    def size(self) -> int:
        return sum(len(b.rows) for b in self.agents)

    def smallest(self, limit: int) -> BundleCuts:
        """The smallest tables up to ``limit`` bundles in all: still valid cuts, cheaper for CP-SAT's presolve."""
        kept, total = [], 0
        for b in sorted(self.agents, key=lambda b: len(b.rows)):
            if total + len(b.rows) > limit:
                break
            kept.append(b)
            total += len(b.rows)
        return self._replace(agents=sorted(kept, key=lambda b: b.agent))


def _completion(cost: np.ndarray, weight: np.ndarray, cap: int) -> np.ndarray:
    """rest[t][c]: cheapest cost of a bundle of items t.. within capacity c (rest[0][cap] is the best)."""
    k = len(cost)
    rest = np.zeros((k + 1, cap + 1))
    for t in range(k - 1, -1, -1):
        w = int(weight[t])
        rest[t] = rest[t + 1]
        if w <= cap:
            np.minimum(rest[t + 1, w:], rest[t + 1, : cap + 1 - w] + cost[t], out=rest[t, w:])
    return rest


def _bundles(rest: np.ndarray, cost: np.ndarray, weight: np.ndarray, room: float,
             limit: int) -> tuple[np.ndarray, np.ndarray] | None:
    """All bundles within capacity whose cost is within ``room`` of the cheapest; None past ``limit``.

    Returns (bundles x items Boolean matrix, excess of each bundle over the cheapest).
    Breadth first, one item at a time (take it or not) for all partial bundles at once,
    pruned by the exact cheapest completion: every partial bundle that survives leads to
    at least one qualifying bundle, and distinct ones to distinct bundles, so no level
    holds more partial bundles than there are answers, and ``limit`` is checked per level.
    """
    k, cap = len(cost), rest.shape[1] - 1
    best = float(rest[0, cap])
    limit_cost = best + room + EPS * max(1.0, abs(best))
    spent, room_left = np.zeros(1), np.full(1, cap, dtype=np.int64)
    parents, took = [], []
    for t in range(k):
        w, after = int(weight[t]), rest[t + 1]
        skip = np.flatnonzero(spent + after[room_left] <= limit_cost)
        fits = np.flatnonzero(room_left >= w)
        take = fits[spent[fits] + cost[t] + after[room_left[fits] - w] <= limit_cost]
        if skip.size + take.size > limit:
            return None
        parents.append(np.concatenate([skip, take]))
        took.append(np.concatenate([np.zeros(skip.size, bool), np.ones(take.size, bool)]))
        spent = np.concatenate([spent[skip], spent[take] + cost[t]])
        room_left = np.concatenate([room_left[skip], room_left[take] - w])
    taken = np.zeros((spent.size, k), dtype=bool)
    idx = np.arange(spent.size)
    for t in range(k - 1, -1, -1):  # walk every bundle back to the root
        taken[:, t] = took[t][idx]
        idx = parents[t][idx]
    return taken, spent - best


def bundle_cuts(mf: MinForm, keep: np.ndarray, price: np.ndarray, target: int,
                limit: int = 50_000, total_limit: int = 100_000, resolution: int = 100) -> BundleCuts:
    """Enumerate the qualifying bundles of every agent on the residual pairs ``keep``.

    An agent whose bundles exceed ``limit`` (or would push the total past
    ``total_limit``) gets no table: dropping an agent only weakens the cut.
    """
    a, n = mf.shape
    options = keep.sum(axis=0)
    reduced = mf.cost - price[None, :]
    bound = float(price.sum())
    parts = []
    for i in range(a):
        mine = np.nonzero(keep[i])[0]
        fixed = mine[options[mine] == 1]
        free = mine[options[mine] > 1]
        cap = int(mf.cap[i] - mf.load[i, fixed].sum())
        bound += float(reduced[i, fixed].sum())
        if cap < 0:
            bound = math.inf  # the forced tasks alone overload the agent: nothing fits the target
            continue
        parts.append((i, free, cap))
    tables = {i: _completion(reduced[i, free], mf.load[i, free], cap) for i, free, cap in parts}
    bound += sum(float(t[0, -1]) for t in tables.values())
    room = target - bound
    if room < -EPS * max(1.0, abs(target)):
        return BundleCuts(bound, -1, 1, [])
    # Excesses are counted in 1/resolution of the room: fine enough to prune, coarse enough that
    # CP-SAT's value encoding of each excess variable stays small (rounding down keeps it valid).
    scale = resolution / max(room, 1e-6)
    tol = EPS * max(1.0, abs(target))
    agents: list[Bundles] = []
    used, complete = 0, True
    for i, free, cap in parts:
        if len(free) == 0 or i == mf.nobody:
            continue  # nobody's excess is separable per task; its tasks need no table
        found = _bundles(tables[i], reduced[i, free], mf.load[i, free], max(room, 0.0),
                         max(1, min(limit, total_limit - used)))
        if found is None:
            complete = False  # this agent gets no table; the others still cut validly
            continue
        taken, over = found
        used += len(over)
        rows = taken.astype(int).tolist()
        # shaded down: a scaled excess must never exceed the true one
        excess = np.maximum(0, np.floor((over - tol) * scale)).astype(int).tolist()
        agents.append(Bundles(i, [int(j) for j in free], rows, excess))
    budget = math.floor((room + tol) * scale)
    return BundleCuts(bound, budget, scale, agents, complete)


def add_bundle_cuts(model: cp_model.CpModel, assign, cuts: BundleCuts, name: str = "gap") -> None:
    """Hard (within the target): each agent takes one qualifying bundle; the excesses fit the budget.

    ``assign(i, j)`` returns the literal "agent i takes task j".
    """
    excess_vars = []
    for b in cuts.agents:
        x = model.new_int_var(0, max(b.excess), f"{name}_excess_a{b.agent}")
        lits = [assign(b.agent, j) for j in b.tasks]
        model.add_allowed_assignments(lits + [x], [row + [e] for row, e in zip(b.rows, b.excess)])
        excess_vars.append(x)
    if excess_vars:
        model.add(sum(excess_vars) <= cuts.budget)
