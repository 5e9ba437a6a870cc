"""Warm start of the isolation module: a short solve of the module on its own.

Rooms, admissions, categories, transfers and site staff interlock too tightly for a greedy
plan that is both feasible and good (a first-come greedy left the city's search stuck near
it). The module alone is small, so it is solved for a moment in a model of its own, with the
whole staff pool to itself; its values hint the module's variables in the shared model (by
name: the module names its variables the same way in both; the pool's counters are numbered
per model and are hinted from the ledger instead), and the pool people its sites
draw are taken from the shared ledger, exactly as many as the short solve used.

The short solve is bounded by deterministic time, so a run with one worker stays repeatable
unless the wall-clock cap (5 % of the time limit) stops it first.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from optimizer.pool import Block

if TYPE_CHECKING:
    from optimizer.context import BuildContext
    from optimizer.isolation import IsolationVars

EFFORT = 1.5  # deterministic seconds of the short solve (about a second of wall time on the demo)


def warm_start(ctx: "BuildContext", v: "IsolationVars") -> None:
    from optimizer import isolation
    from optimizer.context import BuildContext
    from optimizer.isolation_staff import KINDS, pool_role, shifts

    sub = BuildContext.new(ctx.instance)
    sv = isolation.build(sub)
    if sv is None:
        return
    sub.pool.finalize()
    # one weighted objective is enough for a hint: a critical unit outweighs any routine
    # unit and any cost the module has
    sub.model.minimize(sum(w * sub.tier_objective(t) for t, w in (("critical", 10**6), ("routine", 10**3),
                                                                   ("cost", 1)) if sub.terms[t]))
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_deterministic_time = EFFORT
    p.max_time_in_seconds = ctx.warm_seconds  # a city's module may need longer than the slice allows
    p.num_workers = 1
    p.random_seed = ctx.seed
    if solver.solve(sub.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        from optimizer.isolation_staff import offer_pool_people

        offer_pool_people(ctx, v)  # no plan in time: at least offer the sites their pool people
        return
    solution = solver.response_proto.solution
    index = {var.name: i for i, var in enumerate(ctx.model.proto.variables)}
    hinted = set(ctx.model.proto.solution_hint.vars)
    hint = ctx.model.proto.solution_hint
    values = {}
    for i, var in enumerate(sub.model.proto.variables):
        if not var.name or var.name.startswith("staff["):
            continue  # unnamed, or the pool's counters: numbered differently in the shared model
        values[var.name] = solution[i]
        j = index.get(var.name)
        if j is not None and j not in hinted:
            hint.vars.append(j)
            hint.values.append(solution[i])
    if v.staff is None:
        return
    need: dict[Block, int] = defaultdict(int)
    for (s, t, kind), top in v.staff.top.items():
        n = values.get(top.name, 0)
        if n and kind in KINDS:
            start, end = shifts(ctx.instance)[t]
            need[Block(0, start, end, v.sites[s].township, pool_role(ctx.instance, kind), "isolation")] += n
    ledger = ctx.pool.ledger()
    for block, n in sorted(need.items()):
        ledger.take(block, min(n, ledger.available(block)))

