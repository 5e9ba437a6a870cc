"""Warm start of the supply module: the module solved on its own, for a moment.

Shipments are a flow problem the module alone solves to optimality in a fraction of a
second on the demo county, while inside the shared model CP-SAT's search, spread over
every module, left the critical tier 8 % above it. So the module is solved in a model of
its own — first its critical shortages, then (locked) its routine ones — with its last-mile
staff limited to the pool people the shared ledger still has, and its values hint the
shared model's supply variables by name (the module names them the same way in both; the
pool's counters are numbered per model and come from the ledger). The greedy plan is its
own hint first, and the fallback when the short solve finds nothing.

Both stages are bounded by deterministic time, and by the shared wall-clock cap for warm
starts (`ctx.warm_seconds`).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from optimizer.hints import hint_all, hint_by_name

if TYPE_CHECKING:
    from optimizer.context import BuildContext
    from optimizer.supply import SupplyVars

log = logging.getLogger(__name__)
EFFORT = 2.0  # deterministic seconds per stage (the CP-SAT path, when HiGHS cannot read the model)


def solve_alone(ctx: "BuildContext", v: "SupplyVars") -> bool:
    """Hint the shared model from the module alone; False if no plan came out."""
    from optimizer import supply
    from optimizer.context import BuildContext

    sub = BuildContext.new(ctx.instance, ctx.seed, ctx.warm_seconds)
    sv = supply.build(sub)
    if sv is None:
        return False
    sub.pool.finalize()
    ledger = ctx.pool.ledger()
    people = {key: ledger.available(v.blocks[key]) for key in sv.workers}  # what the other modules' hints left
    supply.greedy_hint(sub, sv, people)  # a plan within them, kept if HiGHS finds nothing better
    sub.pool.ledger().add_hints()
    _bound_tiers(ctx, sub)  # before the module is cut down to the people the ledger left
    for key, n in sv.workers.items():
        sub.model.add(n <= people[key])
    plans = _mip_values(ctx, sub)
    if plans:
        # the routine stage's plan first, then the critical stage's: the caps are per block,
        # but sealed townships of one day can draw on the same people
        for values in plans:
            if _take_workers(ledger, v, {key: values[n.index] for key, n in sv.workers.items()}):
                hint_by_name(ctx.model, sub.model, values)
                return True
        log.info("supply warm start: its last-mile workers do not fit the pool together; greedy plan instead")
        return False
    solver = None
    for tier in ("critical", "routine"):
        if not sub.terms[tier]:
            continue
        objective = sub.tier_objective(tier)
        sub.model.minimize(objective)
        s = cp_model.CpSolver()
        p = s.parameters
        p.max_deterministic_time = EFFORT
        p.max_time_in_seconds = ctx.warm_seconds
        p.num_workers = 1
        p.random_seed = ctx.seed
        if s.solve(sub.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        solver = s
        sub.model.add(objective <= round(s.objective_value))
        hint_all(sub.model, s.response_proto.solution)
    if solver is None or not _take_workers(ledger, v, {key: solver.value(n) for key, n in sv.workers.items()}):
        return False
    hint_by_name(ctx.model, sub.model, solver.response_proto.solution)
    return True


def _bound_tiers(ctx: "BuildContext", sub: "BuildContext") -> None:
    """The module's critical terms, and its routine terms, are each at least their LP
    relaxation's optimum in any plan of the shared model: the module alone has the whole pool
    for its last-mile staff, and the shared model's other rules only take people away. The
    other modules' terms are never negative, so each adds to its tier's floor (ctx.floors).
    Measured on the demo: critical LP 1,439,165.3 against the module's optimum 1,439,166. The
    routine floor is what the city's routine tier reports where the shared model is too large
    for the LP floor (optimizer/lp_floor.py), and the what-if runs too short for it."""
    from optimizer.cpsat_mip import integral_bound, lp_solve, objective_of, proto_of

    tiers = [t for t in ("critical", "routine") if sub.terms[t]]
    if not tiers:
        return
    t0 = time.perf_counter()
    try:
        proto = proto_of(sub.model)
        objectives = [objective_of(sub.model, sub.tier_objective(t)) for t in tiers]
        found = lp_solve(proto, [terms for terms, _ in objectives])
    except ValueError as e:  # a constraint kind the translation does not read
        log.info("supply LP bound skipped: %s", e)
        return
    for tier, (_terms, offset), optimum in zip(tiers, objectives, found):
        if optimum is not None:
            ctx.floors[tier] += integral_bound(optimum[1] + offset)
            log.info("supply LP bound of its %s terms %s in %.1f s", tier, f"{optimum[1] + offset:,.0f}",
                     time.perf_counter() - t0)


def _take_workers(ledger, v: "SupplyVars", workers: dict) -> bool:
    """Take the module's last-mile workers from the shared ledger, all or none. Each block is
    capped by what the ledger has for it, but blocks of one day can draw on the same people
    (two sealed townships within reach of one delivery team): when the plan's workers do not
    fit together, nothing is taken and the greedy plan, which takes as it goes, is the hint
    (a hint naming workers the pool's counters do not give is no whole plan: measured on the
    demo's cluster scenario under load, where the run then ended with no plan at all)."""
    taken = []
    for key, n in workers.items():
        got = ledger.take(v.blocks[key], n)
        if got is None:
            for g in taken:
                ledger.give_back(g)
            return False
        taken.append(got)
    return True


def _mip_values(ctx: "BuildContext", sub: "BuildContext") -> list[list[int]]:
    """The module's tiers (critical, then routine with critical locked) as MIPs for HiGHS: each
    stage's plan, the last stage's first; none if the model has a constraint the translation
    does not read or neither HiGHS nor the greedy plan gives one.

    Shipments are a flow problem: HiGHS's branch and cut solves the city's critical tier to
    optimality in about a second, where CP-SAT alone stayed at 2.6 times its LP bound.

    The greedy plan (it hints every variable, within the same last-mile caps) is kept whenever
    HiGHS, stopped at its time limit, holds nothing better. On the demo's spring-festival-return
    scenario HiGHS, stopped after 1 s (a 12-s what-if run), held critical 21.5 M where the greedy
    plan has 2.2 M, and the shared model's short first tier kept 15.4 M of it (the optimum is
    2.04 M). Handed the greedy plan as its start, HiGHS reaches 2.03 M there, but on
    cluster-outbreak, stopped after the same second, it held 1,436,904 where without a start it
    reaches 1,338,110: so the critical stage starts without it and, only if it ends worse than
    the greedy plan, tries again from that plan for as long again."""
    import highspy
    import numpy as np

    from optimizer.cpsat_mip import objective_of, proto_of, to_highs
    from optimizer.polish import keeps_rows

    try:
        proto = proto_of(sub.model)
        objectives = [(t, *objective_of(sub.model, sub.tier_objective(t))) for t in ("critical", "routine")
                      if sub.terms[t]]
        if not objectives:
            return []
        h = to_highs(proto, objectives[0][1], integral=True)
    except ValueError as e:  # a constraint kind the translation does not read
        log.info("supply MIP warm start skipped: %s", e)
        return []
    h.setOptionValue("mip_rel_gap", 1e-4)
    n = len(proto.variables)
    hint = dict(zip(proto.solution_hint.vars, proto.solution_hint.values))
    values = [int(hint[j]) for j in range(n)] if len(hint) == n else None
    if values is not None and not keeps_rows(sub.model, values, set(range(n))):
        values = None
    plans: list[list[int]] = []
    for k, (tier, objective, _offset) in enumerate(objectives):
        if k:  # lock the tier above at what it reached, then minimise this one
            prev = objectives[k - 1][1]
            h.addRow(-highspy.kHighsInf, float(_value(prev, values)) + 1e-6, len(prev),
                     np.array([j for j, _ in prev], dtype=np.int32), np.array([a for _, a in prev]))
            cost = np.zeros(n)
            for j, a in objective:
                cost[j] += a
            h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        # both stages keep to warm_seconds of HiGHS's clock (it runs on over its solves), but
        # a critical stage that ends worse than the greedy plan tries again from it
        tries = (ctx.warm_seconds, 2 * ctx.warm_seconds) if k == 0 and values is not None else (ctx.warm_seconds,)
        by = "the greedy plan" if k == 0 else "the stage above"
        for attempt, until in enumerate(tries):
            if attempt:
                h.setSolution(n, np.arange(n, dtype=np.int32), np.asarray(values, dtype=float))
            h.setOptionValue("time_limit", float(max(until, h.getRunTime() + 0.01)))
            h.run()
            if h.getInfo().primal_solution_status == 2:  # a feasible integral plan
                found = [int(round(x)) for x in h.getSolution().col_value]
                if values is None or _value(objective, found) < _value(objective, values):
                    values, by = found, "HiGHS"
            if by == "HiGHS" or h.getModelStatus() != highspy.HighsModelStatus.kTimeLimit:
                break
        if values is None:
            break
        log.info("supply warm start: %s %s by %s", tier, f"{_value(objective, values):,.0f}", by)
        if not plans or values != plans[0]:
            plans.insert(0, values)
    return plans


def _value(objective: list[tuple[int, float]], values: list[int]) -> float:
    return sum(a * values[j] for j, a in objective)
