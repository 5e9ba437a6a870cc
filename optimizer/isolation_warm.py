"""Warm start of the isolation module: its LP relaxation, rounded by a neighbourhood solve.

The module is built once more into a model of its own, with the whole staff pool to itself.

1. **LPs.** That model, read as a linear program (`cpsat_mip`), is solved twice by HiGHS:
   for its critical total alone, which gives a valid lower bound (added to the shared model,
   see `warm_start`), and for W × critical + cost, W above what housing one person for a day
   can cost, which guides the rounding. Rooms, admissions and transfers form a flow over sites
   and days, so the LP optimum is integral almost everywhere (on the 2,000-cohort city: the
   rooms of all but ~70 of 11,000 group-site pairs); what is fractional is the day-0 site
   staff (crews, pool people), category presence and the run and split flags.
2. **Neighbourhood.** CP-SAT then solves the same model with the LP's integral rooms of later
   arrival days fixed; free are the day-0 arrivals (whose rooms need day-0 staff in whole units
   of 50), the flags and the few pairs the LP left fractional or that touch a site-day where
   categories met fractionally. It is solved in stages, as the tiers are: the staff shortage
   (whose weight dwarfs a person-day), then the unhoused person-days, then cost, each stage
   locked and hinted from the one before. One weighted objective instead left the search on
   the city far from the LP bound (33 person-shifts short where 11 are unavoidable).
3. **Hint.** Its values hint every isolation variable of the shared model (by name: the
   module names its variables the same way in both; the pool's counters are numbered per model,
   so the pool people the sites draw are taken from the shared ledger instead).

If the neighbourhood has no solution, the model is solved without the fixings, hinted with the
rounded LP. The short solves are bounded by deterministic time, with a wall-clock cap.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from optimizer.cpsat_mip import integral_bound, lp_solve, objective_of, proto_of
from optimizer.hints import hint_all, hint_by_name

if TYPE_CHECKING:
    from optimizer.context import BuildContext
    from optimizer.isolation import IsolationVars

log = logging.getLogger(__name__)
EFFORT = {"shortage": 1.0, "unhoused": 1.0, "cost": 0.5}
"""Deterministic seconds of each stage (the two critical stages end proven well before on the
city cases; cost stops at its budget and the shared model's cost tier carries on)."""
WALL_SHARE = 4  # wall-clock cap of a stage, in multiples of ctx.warm_seconds
FRACTIONAL = 1e-6


def critical_weight(ctx: "BuildContext", v: "IsolationVars") -> int:
    """A person-day without a room outweighs housing one person for a day anywhere: the room,
    the transfer and one more split, spread over the stay (a reserve's activation is shared by
    its rooms and left out)."""
    from optimizer.isolation_rules import transfer_km

    ip = ctx.instance.policy.isolation
    most = 1.0
    for grp in v.groups:
        days = max(1, len(grp.held))
        for s in grp.sites:
            move = ip.transfer_cost_per_person_km * transfer_km(ctx.instance, grp.origin, v.sites[s])
            most = max(most, v.sites[s].room_cost_per_day + (move + ip.split_penalty) / days)
    return math.ceil(most) + 1


def _integral(x: float) -> bool:
    return abs(x - round(x)) < FRACTIONAL


def fix_to_lp(model: cp_model.CpModel, v: "IsolationVars", x) -> int:
    """Fix the rooms (and pair rooms) of arrival days after day 0 where the LP is integral and
    its site-days hold no fractional category presence; the number of pairs fixed."""
    mixed = set()  # (site, day) where the LP had a category present fractionally
    for (s, d), by_category in v.by_site_day.items():
        for category in by_category:
            m = v.present.get((s, category, d))
            if m is not None and not _integral(x[m.index]):
                mixed.add((s, d))
    fixed = 0
    for (g, s), rooms in v.rooms.items():
        grp = v.groups[g]
        r = x[rooms.index]
        pairs = v.pairs.get((g, s))
        p = x[pairs.index] if pairs is not None else 0.0
        if grp.day > 0 and _integral(r) and _integral(p) and not any((s, d) in mixed for d in grp.held):
            model.add(rooms == round(r))
            if pairs is not None:
                model.add(pairs == round(p))
            fixed += 1
    return fixed


def _solve(model: cp_model.CpModel, ctx: "BuildContext", effort: float) -> cp_model.CpSolver | None:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_deterministic_time = effort
    p.max_time_in_seconds = WALL_SHARE * ctx.warm_seconds
    p.num_workers = 1
    p.random_seed = ctx.seed
    code = solver.solve(model)
    return solver if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def solve_in_stages(ctx: "BuildContext", sub: "BuildContext", v: "IsolationVars") -> cp_model.CpSolver | None:
    """Staff shortage, then unhoused person-days, then cost, each locked for the next; the last
    solver holding a plan (a stage that finds nothing keeps the previous stage's plan)."""
    model = sub.model
    best = None
    stages = (("shortage", v.staff.penalty if v.staff is not None else 0),
              ("unhoused", sub.terms["critical"]["isolation.unhoused_person_days"]),
              ("cost", sub.tier_objective("cost")))
    for name, objective in stages:
        if isinstance(objective, int):
            continue
        model.minimize(objective)
        solver = _solve(model, ctx, EFFORT[name])
        if solver is None:
            break
        best = solver
        model.add(objective <= round(solver.objective_value))
        hint_all(model, solver.response_proto.solution)
    return best


@dataclass
class Alone:
    """The module solved on its own: its context and variables, a solver holding its plan, and
    the LP bound of its critical total (None when no LP optimum was found)."""

    ctx: "BuildContext"
    vars: "IsolationVars"
    solver: cp_model.CpSolver
    critical_bound: int | None


def plan_alone(ctx: "BuildContext") -> Alone | None:
    """The module built and solved on its own, or None when no plan was found. Used by the warm
    start and by the benchmark."""
    from optimizer import isolation
    from optimizer.context import BuildContext

    t0 = time.perf_counter()
    sub = BuildContext.new(ctx.instance, ctx.seed, ctx.warm_seconds)
    sv = isolation.build(sub)
    if sv is None:
        return None
    sub.pool.finalize()
    sub.add_term("cost", "staff.hours", sub.pool.staff_hours_cost())
    critical, _ = objective_of(sub.model, sub.tier_objective("critical"))
    weighted, _ = objective_of(sub.model, critical_weight(sub, sv) * sub.tier_objective("critical")
                               + sub.tier_objective("cost"))
    lp, first = lp_solve(proto_of(sub.model), [weighted, critical])
    bound = integral_bound(first[1]) if first is not None else None
    t1 = time.perf_counter()
    whole = sub.model.clone()  # without the fixings, in case they leave no plan
    fixed = 0
    if lp is not None:
        fixed = fix_to_lp(sub.model, sv, lp[0])
        hint_all(sub.model, lp[0])
    solver = solve_in_stages(ctx, sub, sv)
    if solver is None and fixed:
        sub.model = whole
        if lp is not None:
            hint_all(whole, lp[0])
        solver = solve_in_stages(ctx, sub, sv)
    log.info("isolation warm start: LPs %.1f s (critical bound %s), neighbourhood (%d of %d room pairs "
             "fixed) %s in %.1f s", t1 - t0, bound, fixed, len(sv.rooms),
             "solved" if solver else "without a plan", time.perf_counter() - t1)
    return Alone(sub, sv, solver, bound) if solver is not None else None


def warm_start(ctx: "BuildContext", v: "IsolationVars") -> None:
    """Hint the shared model from `plan_alone`, take the pool people it draws from the shared
    ledger, and bound the module's critical total below by its LP relaxation."""
    from optimizer.isolation_staff import offer_pool_people

    alone = plan_alone(ctx)
    if alone is None:
        offer_pool_people(ctx, v)  # no plan in time: at least offer the sites their pool people
        return
    sub, solver = alone.ctx, alone.solver
    if alone.critical_bound is not None and v.critical is not None \
            and solver.value(alone.vars.critical) >= alone.critical_bound:
        # a valid inequality: no plan of the shared model houses more than the module's LP
        # relaxation allows (other modules only take pool people away); with the critical total
        # one variable, CP-SAT's tier bound starts here instead of waiting for its own LP
        ctx.model.add(v.critical >= alone.critical_bound)
    hint_by_name(ctx.model, sub.model, solver.response_proto.solution)
    if v.staff is None:
        return
    # the very people the short solve placed (a greedy take of the same counts can strand a
    # block whose people another block of the same day took first)
    ledger = ctx.pool.ledger()
    for block, people in sorted(sub.pool.extract(solver).items()):
        ledger.take_people(block, [p.id for p, _ in people])
