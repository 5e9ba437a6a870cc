"""A feasible sampling plan built greedily, used as the solver's warm start.

Critical grids first, larger first; each goes to the nearest site in walking range that
can take it, adding staffed desk-shifts (crew taken from the staff ledger) and lab
capacity as needed. CP-SAT's LNS improves from there; without it the search spends its
time finding a first plan that serves anyone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from optimizer.pool import Block
from optimizer.sampling_rules import desk_shift_capacity

if TYPE_CHECKING:
    from optimizer.context import BuildContext
    from optimizer.sampling import SamplingVars


def warm_start(ctx: "BuildContext", v: "SamplingVars") -> None:
    """Hint every sampling variable (and the staff it draws) with a greedy feasible plan."""
    inst, model = ctx.instance, ctx.model
    shifts = inst.policy.sampling.shifts
    crew = sorted((r, n) for r, n in inst.policy.sampling.crew_per_desk.items() if n)
    cap = [desk_shift_capacity(inst.policy, sh) for sh in shifts]
    ledger = ctx.pool.ledger()
    staffed: dict[tuple[int, int], int] = defaultdict(int)
    load: dict[int, int] = defaultdict(int)
    lab_left = {lab.id: lab.daily_tube_capacity for lab in inst.labs}
    labs_of: dict[str, list[str]] = defaultdict(list)
    for (town, lab) in v.flows:
        labs_of[town].append(lab)
    flow: dict[tuple[str, str], int] = defaultdict(int)
    chosen: dict[int, int] = {}

    def add_desk_shift(j: int) -> list | None:
        site = v.sites[j]
        desks = max(staffed[j, t] for t in range(len(shifts)))
        order = sorted(range(len(shifts)), key=lambda t: (staffed[j, t] >= desks, -cap[t], t))
        for t in order:
            if staffed[j, t] >= site.max_desks:
                continue
            got: list = []
            for role, n in crew:
                part = ledger.take(Block(0, shifts[t].start_hour, shifts[t].end_hour, site.township, role, "sampling"), n)
                if part is None:
                    ledger.give_back(got)
                    got = None
                    break
                got += part
            if got is not None:
                staffed[j, t] += 1
                return [(t, got)]
        return None

    order = sorted(range(len(v.grids)), key=lambda i: (not v.critical[i], -v.people[i], i))
    for i in order:
        for j in sorted(v.walk[i], key=lambda j: (v.walk[i][j], j)):
            town = v.sites[j].township
            labs = sorted(labs_of[town], key=lambda lab: -lab_left[lab])
            if not labs or lab_left[labs[0]] < v.tubes[i]:
                continue
            added = []
            while load[j] + v.people[i] > sum(cap[t] * staffed[j, t] for t in range(len(shifts))):
                step = add_desk_shift(j)
                if step is None:
                    break
                added += step
            if load[j] + v.people[i] > sum(cap[t] * staffed[j, t] for t in range(len(shifts))):
                for t, got in added:  # this site cannot take the grid: undo
                    staffed[j, t] -= 1
                    ledger.give_back(got)
                continue
            load[j] += v.people[i]
            lab_left[labs[0]] -= v.tubes[i]
            flow[town, labs[0]] += v.tubes[i]
            chosen[i] = j
            break

    fl = v.fl
    for j in range(len(v.sites)):
        used = any(staffed[j, t] for t in range(len(shifts))) or j in chosen.values()
        model.add_hint(fl.is_open(j), used)
        model.add_hint(v.desks[j], max(staffed[j, t] for t in range(len(shifts))))
        for t in range(len(shifts)):
            model.add_hint(v.staffed[j, t], staffed[j, t])
    for i, xi in enumerate(fl.assign_vars):
        for j, x in xi.items():
            model.add_hint(x, chosen.get(i) == j)
        u = fl.unserved(i)
        if not isinstance(u, int):
            model.add_hint(u, i not in chosen)
    for key, x in v.flows.items():
        model.add_hint(x, flow.get(key, 0))
