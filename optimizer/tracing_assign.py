"""Cases to investigators, one role at a time: who may take which case, and the assignment core.

Candidates: people whose skills fill the role, not in a closed loop or due a day off, within
commuting range of the case's township, with enough minutes left after rest and travel to
do the case on day 0. Per township only the nearest `max(MIN_CANDIDATES, 3 × cases)` per
role are kept, so a city (tens of thousands of staff, ~100 cases) stays a small model; the
nearest are the ones the lending penalty and travel would pick anyway.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.instance import StaffMember, TracingCase
from optimizer.context import BuildContext
from optimizer.tracing_rules import (
    DAY_END,
    Duty,
    can_fill,
    duty_limits,
    earliest_start_min,
)

MIN_CANDIDATES = 12


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


def assign_role(ctx: BuildContext, role: str, cases: list[TracingCase], work: list[int], window,
                cands: list[Candidate], untraced: list | None, out: dict) -> list:
    """Hard: each case traced today has exactly one person in `role`, within their minutes.

    `untraced` None: this call makes the case's "not traced today" Booleans and returns them;
    otherwise the case is traced by this role exactly when it is by the first one.
    """
    model = ctx.model
    x: dict[tuple[int, str], cp_model.IntVar] = {}
    per_case: dict[int, list] = defaultdict(list)
    for cand in cands:
        for i in cand.cases:
            v = x[i, cand.person.id] = model.new_bool_var(f"assign[{cases[i].id},{role},{cand.person.id}]")
            per_case[i].append(v)
    made = []
    for i in range(len(cases)):
        u = untraced[i] if untraced is not None else None
        if u is None:
            u = model.new_bool_var(f"untraced[{cases[i].id}]") if per_case[i] else 1
        if isinstance(u, int):
            for v in per_case[i]:
                model.add(v == 0)
        else:
            model.add_exactly_one([*per_case[i], u])
        made.append(u)
    for cand in cands:
        cap = max(d.span for d in cand.duty.values())
        model.add(sum(work[i] * x[i, cand.person.id] for i in cand.cases) <= cap)
    out[role] = x
    return made
