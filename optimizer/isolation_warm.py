"""Warm start of the isolation module: its LP relaxation, rounded by a neighbourhood solve.

The module is built once more into a model of its own, with the whole staff pool to itself.

1. **LPs.** That model, read as a linear program (`cpsat_mip`), is solved by HiGHS:
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
   Before the cost stage, whole cohorts are offered (`isolation.offer_whole`) at the pairs the
   plan so far or the LP gives rooms, hinted from `isolation_extract.hand_out`'s deal.
3. **Hint.** The shared model is offered the same pairs; the values hint every isolation
   variable of the shared model (by name: the
   module names its variables the same way in both; the pool's counters are numbered per model,
   so the pool people the sites draw are taken from the shared ledger instead).
4. **Cuts.** The critical LP's bound, and per slope w in `SLOPES` the LP bound of
   w × critical + placing (rooms, transfers, activations), are added to the shared model as
   valid inequalities (proof in docs/isolation.md, "Solving it fast").

If the neighbourhood has no solution, the model is solved without the fixings, hinted with the
rounded LP. The short solves are bounded by deterministic time, with a wall-clock cap.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from optimizer.cpsat_mip import integral_bound, lp_solve, objective_of, proto_of
from optimizer.hints import hint_all, hint_by_name, override_hints

if TYPE_CHECKING:
    from optimizer.context import BuildContext
    from optimizer.isolation import IsolationVars

log = logging.getLogger(__name__)
EFFORT = {"shortage": 1.0, "unhoused": 1.0, "cost": 0.5}
"""Deterministic seconds of each stage (the two critical stages end proven well before on the
city cases; cost stops at its budget and the shared model's cost tier carries on)."""
SLOPES = (500, 400, 300)
"""Weights w of the critical total in the LPs min w × critical + placing (rooms, transfers,
activations), each from the previous optimal basis. An LP optimum b_w is a valid lower bound of
w × critical + placing over every plan (the LP relaxes the module, and the shared model only
takes pool people away), so placing ≥ b_w − w × C once the critical tier is locked at C: the
best w is the LP's price of one more person-day at C, which the series brackets (a person-day
costs a room at 150–260 a day plus its share of transfers and activations)."""
WALL_SHARE = 1  # wall-clock cap of a stage, in multiples of ctx.warm_seconds (4 gave the demo a 4.6-s
# neighbourhood for the same plan as 1.7 s, time the tiers below then lacked)
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


def solve_in_stages(ctx: "BuildContext", sub: "BuildContext", v: "IsolationVars",
                    before_cost=None) -> cp_model.CpSolver | None:
    """Staff shortage, then unhoused person-days, then cost, each locked for the next; the last
    solver holding a plan (a stage that finds nothing keeps the previous stage's plan).
    `before_cost(solver)`, if given, may add to the model before the cost stage (from the plan
    so far) and returns hints for what it added."""
    model = sub.model
    best = None
    stages = (("shortage", v.staff.penalty if v.staff is not None else 0),
              ("unhoused", sub.terms["critical"]["isolation.unhoused_person_days"]),
              ("cost", None))
    for name, objective in stages:
        if name == "cost":
            if before_cost is not None and best is not None:
                override_hints(model, before_cost(best))
            objective = sub.tier_objective("cost")
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


def offered_pairs(v: "IsolationVars", solver: cp_model.CpSolver, x=None) -> set[tuple[int, int]]:
    """(group, site) pairs offered whole cohorts (`isolation.offer_whole`): those the plan so far
    gives rooms, and those the LP relaxation does."""
    return {(g, s) for (g, s), rooms in v.rooms.items()
            if solver.value(rooms) > 0 or (x is not None and x[rooms.index] > FRACTIONAL)}


def whole_hints(v: "IsolationVars", solver: cp_model.CpSolver) -> list[tuple[cp_model.IntVar, int]]:
    """Values of the whole counts and part flags for a plan's rooms: the cohorts
    `isolation_extract.hand_out` places whole at offered pairs."""
    from optimizer.isolation_extract import group_quotas, hand_out
    from optimizer.isolation_rules import sharing_carers

    out = []
    for g, grp in enumerate(v.groups):
        ids = {v.sites[s].id: s for s in grp.sites}
        rows, _ = hand_out(grp.cohorts, group_quotas(v, solver, g))
        pieces: dict[str, int] = {}
        for c, _, _, _ in rows:
            pieces[c.id] = pieces.get(c.id, 0) + 1
        count: dict[tuple[int, int], int] = {}
        for c, site_id, people, _ in rows:
            s = ids[site_id]
            if (g, s) in v.offered and pieces[c.id] == 1 and people == c.people:
                pairs = sharing_carers(c)
                k = next(k for k, (a, b, _) in enumerate(v.kinds[g]) if (a, b) == (c.people - 2 * pairs, pairs))
                if (g, k, s) in v.whole and count.get((k, s), 0) < list(v.whole[g, k, s].proto.domain)[-1]:
                    count[k, s] = count.get((k, s), 0) + 1
        parts = 0
        for s in grp.sites:
            if (g, s) not in v.offered:
                parts += solver.value(v.rooms[g, s]) > 0
                continue
            whole_rooms = 0
            for k, (a, b, _) in enumerate(v.kinds[g]):
                if (g, k, s) in v.whole:
                    n = count.get((k, s), 0)
                    out.append((v.whole[g, k, s], n))
                    whole_rooms += (a + b) * n
            part = int(solver.value(v.rooms[g, s]) > whole_rooms)
            out.append((v.part[g, s], part))
            parts += part
        if g in v.splits:
            extra, anywhere = v.splits[g]
            out += [(extra, max(0, parts - 1)), (anywhere, int(parts > 0))]
    return out


@dataclass
class Alone:
    """The module solved on its own: its context and variables, a solver holding its plan, and
    the LP bound of its critical total (None when no LP optimum was found)."""

    ctx: "BuildContext"
    vars: "IsolationVars"
    solver: cp_model.CpSolver
    critical_bound: int | None
    offered: set[tuple[int, int]] = field(default_factory=set)  # pairs offered whole cohorts
    cuts: list[tuple[int, int]] = field(default_factory=list)  # (w, b): w × critical + placing ≥ b


def plan_alone(ctx: "BuildContext") -> Alone | None:
    """The module built and solved on its own, or None when no plan was found. Used by the warm
    start and by the benchmark."""
    from optimizer import isolation
    from optimizer.context import BuildContext
    from optimizer.isolation import offer_whole

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
    slopes = [w for w in SLOPES if sv.placing is not None]
    lines = [objective_of(sub.model, w * sv.critical + sv.placing)[0] for w in slopes]
    lp, first, *more = lp_solve(proto_of(sub.model), [weighted, critical, *lines])
    bound = integral_bound(first[1]) if first is not None else None
    cuts = [(w, integral_bound(r[1])) for w, r in zip(slopes, more) if r is not None]
    t1 = time.perf_counter()
    whole = sub.model.clone()  # without the fixings, in case they leave no plan
    fixed = 0
    if lp is not None:
        fixed = fix_to_lp(sub.model, sv, lp[0])
        hint_all(sub.model, lp[0])
    x = lp[0] if lp is not None else None

    def offer(plan: cp_model.CpSolver) -> list:
        offer_whole(sub.model, sv, offered_pairs(sv, plan, x))
        return whole_hints(sv, plan)

    solver = solve_in_stages(ctx, sub, sv, offer)
    if solver is None and fixed:
        sub.model = whole
        if lp is not None:
            hint_all(whole, lp[0])
        sv.offered.clear()
        sv.whole.clear()
        solver = solve_in_stages(ctx, sub, sv, offer)
    log.info("isolation warm start: LPs %.1f s (critical bound %s), neighbourhood (%d of %d room pairs "
             "fixed) %s in %.1f s", t1 - t0, bound, fixed, len(sv.rooms),
             "solved" if solver else "without a plan", time.perf_counter() - t1)
    return Alone(sub, sv, solver, bound, set(sv.offered), cuts) if solver is not None else None


def warm_start(ctx: "BuildContext", v: "IsolationVars") -> None:
    """Hint the shared model from `plan_alone`, take the pool people it draws from the shared
    ledger, and bound the module's critical total below by its LP relaxation."""
    from optimizer.isolation import offer_whole
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
        ctx.floors["critical"] += alone.critical_bound  # the critical terms sum to v.critical
    if v.placing is not None:
        # valid inequalities of the same kind, one per slope (see SLOPES): with the critical tier
        # locked, each bounds rooms + transfers + activations below by propagation
        for w, b in alone.cuts:
            ctx.model.add(w * v.critical + v.placing >= b)
    new = offer_whole(ctx.model, v, alone.offered)
    hint_by_name(ctx.model, sub.model, solver.response_proto.solution)
    hinted = set(ctx.model.proto.solution_hint.vars)
    for x in new:  # offered here only: no cohort whole there in the plan
        if x.index not in hinted:
            ctx.model.add_hint(x, 0)
    if v.staff is None:
        return
    # the very people the short solve placed (a greedy take of the same counts can strand a
    # block whose people another block of the same day took first)
    ledger = ctx.pool.ledger()
    for block, people in sorted(sub.pool.extract(solver).items()):
        ledger.take_people(block, [p.id for p, _ in people])
