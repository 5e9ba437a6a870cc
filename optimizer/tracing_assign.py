"""Cases to investigators, one role at a time: who may take which case, and the assignment core.

Candidates: people whose skills fill the role, not in a closed loop or due a day off, within
commuting range of the case's township, with enough minutes left after rest and travel to
do the case on day 0. Per township only the nearest `max(MIN_CANDIDATES, 3 × cases)` per
role are kept, so a city (tens of thousands of staff, ~100 cases) stays a small model; the
nearest are the ones the lending penalty and travel would pick anyway.

The assignment itself is the generalized-assignment core (`optimizer.assignment`, the model
the GAP benchmarks run through): tasks are cases, agents the candidates, loads the cases'
minutes of work, capacities the longest duty a candidate may do, and a case may stay
untraced today (its lateness is priced by the tracing module, not here).

On a crowded day (more than `PAIR_BUDGET` person-case pairs in a role) each case keeps only
its `k` candidates nearest in time to the greedy schedule (`tracing_greedy`): the person the
greedy gave it and the people working around its start. The model's no-overlap rules then stay
small enough to presolve in a few seconds; the price is that the solver improves the greedy
plan locally rather than searching every pairing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from models.instance import StaffMember, TracingCase
from optimizer.assignment import AssignmentProblem, add_assignment
from optimizer.context import BuildContext
from optimizer.tracing_rules import DAY_END, Duty, can_fill, duty_limits, earliest_start_min

if TYPE_CHECKING:
    from optimizer.tracing_greedy import GreedyPlan

MIN_CANDIDATES = 12
PAIR_BUDGET = 800
"""Person-case pairs per role above which candidates are thinned around the greedy schedule."""


@dataclass
class Candidate:
    person: StaffMember
    duty: dict[str, Duty]  # township -> what the staff rules allow there
    cases: list[int] = field(default_factory=list)  # cases this person may take in this role


def candidates(ctx: BuildContext, cases: list[TracingCase], work: list[int], role: str) -> list[Candidate]:
    """People who may take at least one case in `role`, in id order."""
    inst = ctx.instance
    by_town: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        by_town[c.township].append(i)
    able = [p for p in sorted(inst.staff, key=lambda s: s.id) if can_fill(inst, p, role)]
    out: dict[str, Candidate] = {}
    for town, idx in sorted(by_town.items()):
        near = []
        for p in able:
            d = duty_limits(inst, p, town)
            if d is not None:
                near.append((d.travel, p.id, p, d))
        near.sort(key=lambda t: (t[0], t[1]))
        for _, pid, p, d in near[: max(MIN_CANDIDATES, 3 * len(idx))]:
            ok = [i for i in idx
                  if work[i] <= d.span and max(d.earliest, earliest_start_min(cases[i])) + work[i] <= DAY_END]
            if ok:
                cand = out.setdefault(pid, Candidate(p, {}))
                cand.duty[town] = d
                cand.cases += ok
    return [out[k] for k in sorted(out)]


def thin_around(cands: list[Candidate], plan: "GreedyPlan", role: str, window: list[tuple[int, int]],
                work: list[int], published: dict[int, str] | None = None) -> None:
    """On a crowded day, keep per case the `k` candidates nearest in time to the greedy plan, and
    always the greedy's own person and the one a published plan or a pin names (`published`, case
    index → person id): a re-plan must be able to keep yesterday's team, and a new case changing the
    greedy must not make the old pairs impossible."""
    n_cases = len(window)
    if sum(len(c.cases) for c in cands) <= PAIR_BUDGET or not n_cases:
        return
    k = max(4, PAIR_BUDGET // n_cases)
    mine = plan.person_cases()
    pos = {}
    for c in cands:
        done = mine.get(c.person.id)
        pos[c.person.id] = (sum(plan.start[i] + work[i] / 2 for i in done) / len(done) if done
                            else min(d.earliest for d in c.duty.values()))
    by_case: dict[int, list[Candidate]] = defaultdict(list)
    for c in cands:
        for i in c.cases:
            by_case[i].append(c)
    keep: dict[str, set[int]] = defaultdict(set)
    for i, options in by_case.items():
        own = plan.team.get(i, {}).get(role)
        named = (published or {}).get(i)
        target = plan.start.get(i, window[i][0]) + work[i] / 2
        ranked = sorted(options, key=lambda c: (c.person.id not in (own, named), abs(pos[c.person.id] - target),
                                                c.person.id))
        for c in ranked[:k]:
            keep[c.person.id].add(i)
    for c in cands:
        c.cases = sorted(keep[c.person.id])
    cands[:] = [c for c in cands if c.cases]


def assign_role(ctx: BuildContext, role: str, cases: list[TracingCase], work: list[int],
                cands: list[Candidate], untraced: list | None, out: dict) -> list[cp_model.IntVar]:
    """Hard: each case traced today has exactly one person in `role`, within their minutes.

    `untraced` None: the core's "stays unassigned" Booleans become the cases' "not traced
    today"; otherwise the case is traced by this role exactly when it is by the first one.
    """
    m, n = len(cands), len(cases)
    allowed = np.zeros((m, n), dtype=bool)
    for a, cand in enumerate(cands):
        allowed[a, cand.cases] = True
    problem = AssignmentProblem(
        costs=np.zeros((m, n), dtype=np.int64), loads=np.tile(np.asarray(work, dtype=np.int64), (m, 1)),
        capacities=[max(d.span for d in cand.duty.values()) for cand in cands], allowed=allowed,
        unassigned_penalty=[0] * n, name=f"tracing_{role}")
    gap = add_assignment(ctx.model, problem, name=f"tracing_{role}")
    out[role] = {(i, cand.person.id): gap.assign(a, i)
                 for a, cand in enumerate(cands) for i in cand.cases if gap.is_allowed(a, i)}
    mine = [gap.unassigned(i) for i in range(n)]
    if untraced is not None:
        for u, first in zip(mine, untraced):
            ctx.model.add(u == first)
    return mine
