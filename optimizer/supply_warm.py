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

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from optimizer.context import BuildContext
    from optimizer.supply import SupplyVars

EFFORT = 2.0  # deterministic seconds per stage


def solve_alone(ctx: "BuildContext", v: "SupplyVars") -> bool:
    """Hint the shared model from the module alone; False if no plan came out."""
    from optimizer import supply
    from optimizer.context import BuildContext

    sub = BuildContext.new(ctx.instance, ctx.seed, ctx.warm_seconds)
    sv = supply.build(sub)
    if sv is None:
        return False
    sub.pool.finalize()
    supply.greedy_hint(sub, sv)
    sub.pool.ledger().add_hints()
    ledger = ctx.pool.ledger()
    for key, n in sv.workers.items():  # only the people the other modules' hints left
        sub.model.add(n <= ledger.available(v.blocks[key]))
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
        _rehint(sub.model, s)
    if solver is None:
        return False
    solution = solver.response_proto.solution
    index = {var.name: i for i, var in enumerate(ctx.model.proto.variables)}
    hinted = set(ctx.model.proto.solution_hint.vars)
    hint = ctx.model.proto.solution_hint
    for i, var in enumerate(sub.model.proto.variables):
        if not var.name or var.name.startswith("staff["):
            continue
        j = index.get(var.name)
        if j is not None and j not in hinted:
            hint.vars.append(j)
            hint.values.append(solution[i])
    for key, n in sv.workers.items():  # within what the ledger had (the cap above)
        ledger.take(v.blocks[key], solver.value(n))
    return True


def _rehint(model: cp_model.CpModel, solver: cp_model.CpSolver) -> None:
    model.clear_hints()
    values = solver.response_proto.solution
    model.proto.solution_hint.vars.extend(range(len(values)))
    model.proto.solution_hint.values.extend(values)
