"""Re-packing the grids of full sampling sites, before a tier's search (optimizer/solve.py).

Where high-risk grids are left unsampled beside sites whose staffed desks are all in use, what
is lost is often packing, not capacity: each grid goes whole to one site (single source), so
the sites' capacities are filled by subsets of grid sizes. On the demo county the three sites
of T03 hold 31,824 people a day and 38 high-risk grids of 830-1,177 people reach only them;
the first tier's plan left 5,920 unsampled where the capacities allow 5,826, and neither the
HiGHS polish (its RENS box keeps the LP's integral assignments), the module groups nor 400 s
of the whole model's search found a better packing. CP-SAT alone on those 154 variables found
it in ~1 s from the plan; the packing below is one in ~0.15 s.

`repack` fills the sites one after the other, each by an exact 0/1 knapsack over the grids
that reach it and are not yet placed (high-risk people first, then routine people), moves the
tubes with the people, and returns the packing with the variables it frees. The caller
(optimizer/solve.py) takes it when every row that reads those variables holds, checked exactly
(`optimizer.polish.keeps_rows`: on the demo it always has), and otherwise hands it to CP-SAT
as the hint of a neighbourhood with the rest of the plan fixed (`optimizer.polish.neighbourhood`),
which keeps every rule the packing does not see (a lab it would overfill).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from optimizer.sampling_rules import desk_shift_capacity

if TYPE_CHECKING:
    from optimizer.context import BuildContext
    from optimizer.sampling import SamplingVars

MAX_CAPACITY_CELLS = 20_000_000
"""Knapsack table cells (grids that reach a site × people it holds) summed over the sites, at
most: a city's cluster beyond that is left to the search rather than held up by the packing."""


def repack(ctx: BuildContext, v: SamplingVars, values: Sequence[int], tier: str = "critical"
           ) -> tuple[set[int], list[int]] | None:
    """(Variables to free, the plan with the grids re-packed) around the sites that grids of the
    tier (high-risk grids for "critical", any for "routine") are left unsampled beside; None when
    none is, or no packing places more people (high-risk people first) than the plan."""
    fl = v.fl
    n = len(v.grids)
    per_desk = [desk_shift_capacity(ctx.instance.policy, sh) for sh in ctx.instance.policy.sampling.shifts]
    unserved = [values[fl.unserved(i).index] == 1 for i in range(n)]
    at = {i: j for i in range(n) for j, x in fl.assign_vars[i].items() if values[x.index] == 1}
    capacity: dict[int, int] = defaultdict(int)  # site -> people its staffed desks sample
    for (j, t), x in v.staffed.items():
        capacity[j] += per_desk[t] * values[x.index]
    cluster = {j for i in range(n) if unserved[i] and (v.critical[i] or tier != "critical")
               for j in fl.assign_vars[i] if capacity[j] > 0}
    if not cluster:
        return None
    grids = sorted(i for i in range(n) if (unserved[i] and set(fl.assign_vars[i]) & cluster) or at.get(i) in cluster)
    if sum(capacity[j] * sum(j in fl.assign_vars[i] for i in grids) for j in cluster) > MAX_CAPACITY_CELLS:
        return None
    routine_people = sum(v.people[i] for i in grids if not v.critical[i])
    worth = {i: v.people[i] * (routine_people + 1 if v.critical[i] else 1) for i in grids}
    placed: dict[int, int] = {}
    for j in sorted(cluster, key=lambda j: (-capacity[j], j)):
        items = [i for i in grids if i not in placed and j in fl.assign_vars[i]]
        for i in _knapsack([v.people[i] for i in items], [worth[i] for i in items], capacity[j]):
            placed[items[i]] = j
    if sum(worth[i] for i in placed) <= sum(worth[i] for i in grids if at.get(i) in cluster):
        return None
    free: set[int] = set()
    plan = list(values)
    for i in grids:
        for j, x in fl.assign_vars[i].items():
            free.add(x.index)
            plan[x.index] = int(placed.get(i) == j)
        free.add(fl.unserved(i).index)
        plan[fl.unserved(i).index] = int(i not in placed)
    towns = {v.sites[j].township for i in grids for j in fl.assign_vars[i]}
    free |= {f.index for (town, _), f in v.flows.items() if town in towns}  # tubes follow the people
    _send_tubes(ctx, v, values, plan, towns)
    return free, plan


def _send_tubes(ctx: BuildContext, v: SamplingVars, values: Sequence[int], plan: list[int], towns: set[str]) -> None:
    """Move each township's tube flows in `plan` by the change in its tubes: more to the labs
    with room left (in id order), fewer from the labs it sends to. A lab that cannot take them
    leaves the hint short of a rule, which CP-SAT then repairs or refuses."""
    fl = v.fl
    tubes: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # town -> [tubes before, after]
    for i in range(len(v.grids)):
        for j, x in fl.assign_vars[i].items():
            town = v.sites[j].township
            tubes[town][0] += v.tubes[i] * values[x.index]
            tubes[town][1] += v.tubes[i] * plan[x.index]
    room = {lab.id: lab.daily_tube_capacity for lab in ctx.instance.labs}
    for (_, lab), f in v.flows.items():
        room[lab] -= values[f.index]
    for town in sorted(towns):
        change = tubes[town][1] - tubes[town][0]
        for (t, lab), f in sorted(v.flows.items()):
            if t != town or change == 0:
                continue
            step = min(change, room[lab]) if change > 0 else -min(-change, plan[f.index])
            plan[f.index] += step
            room[lab] -= step
            change -= step


def _knapsack(weights: list[int], worths: list[int], capacity: int) -> list[int]:
    """Indices of the items of greatest total worth whose weights fit in `capacity` (exact 0/1
    knapsack by dynamic programming over the weight)."""
    best = np.zeros(capacity + 1, dtype=np.int64)
    took = np.zeros((len(weights), capacity + 1), dtype=bool)
    for k, (w, p) in enumerate(zip(weights, worths)):
        if w > capacity:
            continue
        with_it = best[: capacity + 1 - w] + p
        better = with_it > best[w:]
        took[k, w:] = better
        best[w:] = np.where(better, with_it, best[w:])
    chosen, c = [], int(np.argmax(best))
    for k in range(len(weights) - 1, -1, -1):
        if took[k, c]:
            chosen.append(k)
            c -= weights[k]
    return chosen
