"""The supply stage on its own: the supply module in a model of its own, its tiers solved in
order, then the routing stage. For the city speed harness and the supply tests; a daily plan
goes through `optimizer.solve`, which builds every module into one model."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from models.instance import Instance
from models.plan import Plan, RosterEntry, Shortage, SolveMeta
from models.plan_roads import RoadSection
from models.plan_supply import SupplySection
from optimizer import supply
from optimizer.context import TIERS, BuildContext

log = logging.getLogger(__name__)


@dataclass
class SupplyStage:
    section: SupplySection | None
    roster: list[RosterEntry]
    shortages: list[Shortage]
    tiers: list[tuple[str, str, float | None, float]]  # (tier, status, value, seconds)
    model_seconds: float
    solve_seconds: float
    routing_seconds: float
    planned: dict | None = None  # (source, township, commodity, day) -> units the shipment model planned

    def plan(self, inst: Instance, roads: RoadSection | None = None) -> Plan:
        meta = SolveMeta(status="FEASIBLE", deterministic=True, time_limit_s=0, wall_seconds=0, instance_hash="")
        return Plan(instance=inst.name, plan_date=inst.plan_date.isoformat(), supply=self.section or SupplySection(),
                    roads=roads or RoadSection(), roster=self.roster, shortages=self.shortages, meta=meta)


def solve_supply(inst: Instance, *, time_limit: float = 30.0, routing_s: float = 20.0, seed: int = 0,
                 workers: int = 2, roads: RoadSection | None = None) -> SupplyStage:
    """Build, warm-start and solve the supply module's tiers within `time_limit` seconds, then
    route within `routing_s`. `roads`: the road plan to drive on (None: no road plan)."""
    t0 = time.perf_counter()
    ctx = BuildContext.new(inst)
    v = supply.build(ctx)
    ctx.pool.finalize()
    if v is None:
        return SupplyStage(None, [], [], [], 0, 0, 0)
    supply.warm_start(ctx, v)
    ctx.pool.ledger().add_hints()
    ctx.routing_budget_s = routing_s
    ctx.seed = seed
    # no road plan given: every arc open except those of sealed townships (as without a road module)
    ctx.sections = {"roads": roads if roads is not None else RoadSection()}
    t1 = time.perf_counter()
    solver, tiers = None, []
    active = [t for t in TIERS if any(not isinstance(e, int) for e in ctx.terms[t].values())]
    for k, tier in enumerate(active):
        objective = ctx.tier_objective(tier)
        ctx.model.minimize(objective)
        s = cp_model.CpSolver()
        s.parameters.max_time_in_seconds = max(0.1, (time_limit - (time.perf_counter() - t1)) / (len(active) - k))
        s.parameters.num_workers = workers
        s.parameters.random_seed = seed
        ts = time.perf_counter()
        code = s.solve(ctx.model)
        status = s.status_name(code)
        tiers.append((tier, status, s.objective_value if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None,
                      time.perf_counter() - ts))
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        ctx.model.add(objective <= round(s.objective_value))
        ctx.model.clear_hints()
        for i, val in enumerate(s.response_proto.solution):
            ctx.model.proto.solution_hint.vars.append(i)
            ctx.model.proto.solution_hint.values.append(val)
        solver = s
    t2 = time.perf_counter()
    if solver is None:
        return SupplyStage(None, [], [], tiers, t1 - t0, t2 - t1, 0)
    staffing = ctx.pool.extract(solver)
    section, roster, shortages = supply.extract(ctx, v, solver, staffing)
    planned = {k: solver.value(x) for k, x in v.ship.items()}
    return SupplyStage(section, roster, shortages, tiers, t1 - t0, t2 - t1, time.perf_counter() - t2, planned)
