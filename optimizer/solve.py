"""`solve(instance, config) -> SolveResult`: the one entry point of the optimizer.

Priorities (DOMAIN.md) are solved lexicographically over ONE CpModel: minimise the critical
tier, lock it at the value found (`critical <= v`), then the routine tier, then cost, then
stability, each solve warm-started from the previous solution. A lower tier therefore can
never buy a higher-tier shortage, whatever the magnitudes: a weighted sum would need weights
of 10^12 and more to dominate provably, which ruins CP-SAT's bounds and the reported gap.
"""

from __future__ import annotations

import logging
import math
import platform
import time
from dataclasses import dataclass, field
from importlib import metadata

import ortools
from ortools.sat.python import cp_model

from models.choices import plan_choices
from models.config import SolveConfig
from models.instance import Instance
from models.io import instance_hash
from models.plan import Plan, SolveMeta
from optimizer.context import TIERS, BuildContext
from optimizer.continuity import (
    add_continuity, closest_plan, hint_decisions, hint_indicators, kept_plan, plan_changes, smallest_budget,
)
from optimizer.hints import hint_all, restore_hints, saved_hints
from optimizer.kpis import plan_kpis
from optimizer.lp_floor import LinearFloor
from optimizer.modules import MODULES
from optimizer.pins import add_pins, conflict_lines
from optimizer.polish import (
    Beside, Restriction, in_thread, keeps_rows, module_variables, neighbourhood, polish, spread, value_at,
)

log = logging.getLogger(__name__)
LARGE_MODEL = 50_000  # variables; above this the first tier skips probing too
SHORT_SLICE_S = 5.0  # a first-tier slice shorter than this skips probing too: the demo county's
# presolve takes 2.4 s with probing and 0.8 s without (one worker), and a what-if run's ~4-s
# slice spent probing ends with no solution at all
MIN_SLICE_S = 2.0  # the demo county's presolve without probing takes ~0.8 s on one worker
MIN_NEIGHBOURHOOD_S = 0.5  # a shorter neighbourhood solve is skipped: its presolve alone takes ~0.3 s on the demo
DETERMINISTIC_SHARE = 0.5
POLISH_SHARE = 0.5  # of a lower tier's slice, at most, for the modules' HiGHS polish (optimizer/polish.py)
NEIGHBOURHOODS = {
    # Module groups re-solved by CP-SAT, the rest of the plan fixed, after the HiGHS polish and
    # before the tier's search over the whole model (optimizer.polish.neighbourhood). Critical:
    # everything but sampling (which HiGHS has just polished), so that staff move between the
    # modules that share guards, police and drivers. Lower tiers: sampling alone (HiGHS cannot
    # solve its routine tier in time), then the small modules together.
    "critical": (("tracing", "roads", "isolation", "supply"),),
    "routine": (("sampling",), ("tracing", "roads", "isolation")),
    "cost": (("sampling",), ("tracing", "roads", "isolation")),
}
FIRST_SHARE = 0.5  # of the tiers' time, at least, for the first tier: on the demo county its polish
# and the tracing schedule beside it (BESIDE_POLISH) take ~half of it; at 0.4 the routine tier's gap
# was 1.37-1.48 % (two runs), at 0.5 1.22-1.27 % (four), its bound rising with the critical plan
BESIDE_POLISH = {
    # A module group re-solved by CP-SAT on one worker while HiGHS polishes the tier's start on
    # the other core (runs with two workers or more). Critical: tracing, whose schedule nothing
    # else in a short run moves (the group above gets no time after the polish on the demo
    # county, and the whole model's slice keeps its start), while its hours above the floor are
    # what the lower tiers' LP bounds spend.
    "critical": ("tracing",),
}
LP_FLOOR_MIN_S = 10.0  # seconds left for the tiers, at least, for the LP floors to be worth their time
LP_FLOOR_SHARE = 0.5  # of a tier's slice, at most, for its LP floor by HiGHS (optimizer/lp_floor.py): the demo
# county's cost LP takes 1.2-1.8 s of a ~4.4-s slice, and at 0.4 it often did not finish (its bound was 0)
REPACK_S, REPACK_SHARE = 1.0, 0.05  # seconds at most, and share of the tier's work budget, for a module's
# re-packing (optimizer/sampling_repack.py): from the packing's hint CP-SAT keeps it at once on the demo
NEIGHBOURHOOD_MAX_VARIABLES = 50_000  # the city's critical group (45,000 of 166,000 variables) took 12 s for 119 units
NEIGHBOURHOOD_SHARE = 0.6  # of the tier's slice left after the polish, for its neighbourhoods together
ROUTING_SHARE, ROUTING_MAX_S = 0.15, 20.0  # of the time limit, for the delivery-routing stage
KEPT_SHARE = 0.2  # of the time left, for the baseline kept whole (the first tier's hint): one solve of the kept
# model, ties broken by the changes; a demo re-plan reached its critical value from it in each of 5 runs at 0.15-0.3
CLOSEST_SHARE = 0.25  # of the time left, for the plan closest to a baseline when it cannot be kept whole
OUTPUT_SHARE = 0.06  # of the time limit, for reading the plan out of the solution and writing it,
OUTPUT_S_PER_VARIABLE = 1.2e-4  # or this much per model variable if more
READ_S_PER_VARIABLE = 6e-5  # of which reading out (a city of 160,000 variables: ~10 s), when the caller writes
STATUS = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE", cp_model.INFEASIBLE: "INFEASIBLE",
          cp_model.UNKNOWN: "UNKNOWN", cp_model.MODEL_INVALID: "MODEL_INVALID"}


@dataclass
class TierResult:
    name: str
    status: str
    value: float | None
    bound: float | None
    seconds: float
    polished: float | None = None  # the tier's value after the modules' polish, before CP-SAT's search

    @property
    def gap(self) -> float | None:
        if self.value is None or self.bound is None:
            return None
        return abs(self.value - self.bound) / max(1.0, abs(self.value))


@dataclass
class SolveResult:
    """What a solve produced: status, plan, objective by name, bound, gap, time, settings."""

    status: str
    plan: Plan | None
    objective_terms: dict[str, float]
    best_bound: float | None
    gap: float | None
    wall_seconds: float
    seed: int
    workers: int
    config: SolveConfig
    tiers: list[TierResult] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)  # why there is no plan, in the planner's words

    def summary(self) -> str:
        lines = [f"status {self.status}  gap {_pct(self.gap)}  {self.wall_seconds:.1f} s  "
                 f"seed {self.seed}  workers {self.workers}"]
        for t in self.tiers:
            lines.append(f"  tier {t.name:<9} {t.status:<9} value {t.value}  bound {t.bound}  gap {_pct(t.gap)}")
        return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


class _Progress(cp_model.CpSolverSolutionCallback):
    """Logs each incumbent with the bound and gap, so a planner sees the solve move. The bound is
    the larger of CP-SAT's and the tier's floor known so far (the modules' own, the LP floor), as
    the summary reports it: CP-SAT's alone read -155,956 on the demo county's critical tier, whose
    floor is 1,446,057."""

    def __init__(self, tier: str, weight: int = 1, floor: int | None = None):
        super().__init__()
        self.tier, self.weight = tier, weight  # weight: the tier's factor when changes break its ties
        self.floor = floor

    def on_solution_callback(self) -> None:
        obj, bound = self.objective_value // self.weight, math.floor(self.best_objective_bound / self.weight)
        if self.floor is not None:
            bound = max(bound, min(self.floor, obj))
        gap = abs(obj - bound) / max(1.0, abs(obj))
        log.info("tier %s  %6.1f s  incumbent %.0f  bound %.0f  gap %.2f%%", self.tier, self.wall_time, obj, bound,
                 100 * gap)


def _solver(config: SolveConfig, seconds: float, work: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.1, seconds)
    p.random_seed = config.seed
    p.num_workers = config.workers
    p.interleave_search = config.interleave
    p.relative_gap_limit = config.relative_gap
    if config.deterministic:
        # A work budget as well as the clock: a tier that stops on work (or proves optimal)
        # gives the same plan on a busy machine; one cut by the clock may not (see _repeatable).
        p.max_deterministic_time = max(0.05, work)
    return solver


def _repeatable(solver: cp_model.CpSolver, code: int) -> bool:
    """Whether this tier's result would repeat: proven, or stopped by its work budget."""
    p = solver.parameters
    return code in (cp_model.OPTIMAL, cp_model.INFEASIBLE) or solver.deterministic_time >= p.max_deterministic_time - 1e-3


def _warm_start_plan(ctx: BuildContext, config: SolveConfig, tier: str | None) -> cp_model.CpSolver | None:
    """The modules' joint warm start as a solution, if it is complete and keeps every rule.

    Every variable fixed to its hint makes presolve trivial, so this takes a moment even on a
    city model whose first-tier presolve may outlast the time limit."""
    proto = ctx.model.proto
    if tier is None or len(set(proto.solution_hint.vars)) < len(proto.variables):
        return None
    solver = _hinted_plan(ctx, config, ctx.tier_objective(tier))
    if solver is None:
        log.info("warm start is not a whole plan")
        return None
    log.info("warm start is a whole plan: tier %s %.0f", tier, solver.objective_value)
    return solver


def polished_in(built: list, tier: str) -> list[str]:
    """The modules re-solved by HiGHS before this tier (their `POLISH` tuples name it)."""
    return [name for name, module, mvars in built if mvars is not None and tier in getattr(module, "POLISH", ())]


EXACT = 2**53  # integers a double holds exactly: CP-SAT's LP and its reported values are doubles


def ties_broken_by(model: cp_model.CpModel, objective, then) -> tuple[int, cp_model.LinearExprT]:
    """(factor, factor × objective + then − its lowest value), the factor one above the widest
    swing of `then` over the variables' domains: minimising it minimises `objective` first and
    `then` among its optima, and a bound B on it gives objective ≥ floor(B / factor).
    (1, objective) where the weighted values could outgrow `EXACT` (the city reaches ~7e15 of
    9e15): the tier is then searched alone, as before the tie-break."""
    low, swing = spread(model, then)
    own_low, own_swing = spread(model, objective)
    if (swing + 1) * (abs(own_low) + own_swing + 1) >= EXACT:
        return 1, objective
    return swing + 1, (swing + 1) * objective + then - low


def _bound_so_far(s: cp_model.CpSolver | None, weight: int, floor: int | None, value: float) -> float | None:
    """A tier's bound when CP-SAT ended without a solution: what its search proved (per unit of
    the tier when the tier was weighted), or the modules' floor if larger; None if neither."""
    bound = -math.inf
    if s is not None and math.isfinite(s.best_objective_bound):
        bound = math.floor(s.best_objective_bound / weight)
    if floor is not None:
        bound = max(bound, floor)
    return bound if math.isfinite(bound) and bound <= value else None


def _hinted_plan(ctx: BuildContext, config: SolveConfig, objective) -> cp_model.CpSolver | None:
    """A solver holding the model's hint as its solution (every variable fixed to its hint), if
    the hint is whole and keeps every rule."""
    ctx.model.minimize(objective)
    solver = _solver(config, min(10.0, max(1.0, 0.1 * config.time_limit_s)), 1.0)
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    code = solver.solve(ctx.model)
    return solver if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _beside_polish(ctx: BuildContext, config: SolveConfig, ranges: dict, tier: str, incumbent: list[int], objective,
                   seconds: float, work: float) -> Beside | None:
    """`BESIDE_POLISH`'s group for this tier started in a thread, or None (one worker asked for,
    a model too large, too little time, or no such module in the instance)."""
    group = [n for n in BESIDE_POLISH.get(tier, ()) if ranges.get(n)]
    if (config.workers < 2 or not group or seconds < MIN_NEIGHBOURHOOD_S
            or len(ctx.model.proto.variables) > NEIGHBOURHOOD_MAX_VARIABLES):
        return None
    solver = _solver(config, seconds, work)
    solver.parameters.num_workers = 1
    solver.parameters.cp_model_probing_level = 0
    return Beside(Restriction(ctx.model, incumbent, module_variables(ctx.pool, ranges, group), objective), solver)


def solve(instance: Instance, config: SolveConfig | None = None, started: float | None = None,
          tiers: tuple[str, ...] | None = None, *, baseline: Plan | None = None, max_changes: int | None = None,
          pins: list | None = None, stability: str = "last") -> SolveResult:
    """Build every module into one model and solve its priority tiers in order.

    `started` (a `time.perf_counter()` value) is when the job began, if before this call
    (the CLI reads the instance first): the time limit counts from then. `tiers`: solve only
    these tiers (in their usual order; `("critical",)` for the counterfactual re-solves of
    optimizer/explain.py); None solves them all. `baseline`: the published plan to change little
    from (the stability tier counts changed decisions; `max_changes` caps them, a hard row), also
    the warm start's hint; `pins` (models.choices.Pin, a workbook's pinned rows): decisions kept as
    hard rules, named in `diagnosis` when they make the plan impossible (optimizer.continuity,
    optimizer.pins); `stability` (with a baseline): "last", the lowest tier, or "after-critical",
    solved right after the critical tier so that routine shortages and cost are improved only
    within the fewest changes (docs/continuity.md). Raises models.io.InputError for a pin the
    instance cannot express."""
    config = config or SolveConfig()
    wanted = tiers  # (the name is reused for the tiers' results below)
    t0 = time.perf_counter() if started is None else started
    ctx = BuildContext.new(instance, config.seed, warm_seconds=max(1.0, 0.05 * config.time_limit_s))
    ctx.published = published_choices(baseline, pins)
    built, ranges = [], {}
    for section, module in MODULES:
        first = len(ctx.model.proto.variables)
        built.append((section, module, module.build(ctx)))
        ranges[section] = range(first, len(ctx.model.proto.variables))
    ctx.pool.finalize()
    # Warm starts, after the pool knows its groups. They share one greedy staff ledger, so
    # the module whose people are scarcest (WARM_ORDER, low first) takes its staff first:
    # a tracer taken by a sampling desk would leave a case without the team its hint names.
    for _, module, mvars in sorted(built, key=lambda b: getattr(b[1], "WARM_ORDER", 50)):
        if mvars is not None and hasattr(module, "warm_start"):
            module.warm_start(ctx, mvars)
    ctx.pool.ledger().add_hints()
    ctx.add_term("cost", "staff.hours", ctx.pool.staff_hours_cost())
    greedy, early = None, None
    if baseline is not None or pins:
        # The warm starts' joint hint is whole and keeps every rule; a published plan's choices
        # laid over it need not. Kept: the first tier retries from it when the baseline's hint
        # finds nothing in time, and it is the fallback plan unless a budget or a pin could
        # make it wrong.
        greedy = saved_hints(ctx.model)
        if max_changes is None and not pins:
            early = _warm_start_plan(ctx, config, next((t for t in TIERS if (wanted is None or t in wanted) and any(
                not isinstance(e, int) for e in ctx.terms[t].values())), None))
    # a published plan's choices, then the pins, override the warm starts' hints where they speak
    continuity = add_continuity(ctx, built, baseline, max_changes) if baseline is not None else None
    pinset = add_pins(ctx, built, pins) if pins else None
    for given in (continuity, pinset):
        if given is not None:
            hint_decisions(ctx.model, given.decisions)
    if pinset is not None:
        pinset.fix(True)
    hint_indicators(ctx.model, continuity)
    # Reading the plan out includes the delivery routes (a second stage, PyVRP): hold its
    # time back from the tiers so the whole solve keeps to the limit.
    routing = any(name == "supply" and mvars is not None for name, _, mvars in built)
    ctx.routing_budget_s = min(ROUTING_SHARE * config.time_limit_s, ROUTING_MAX_S) if routing else 0.0
    # and reading the plan out, then writing it, take a share too (a city's 15,000 roster rows)
    # (measured: a city of 160,000 variables reads out in ~10 s besides routing, and writes its
    # 6 MB plan in a few more)
    per_variable = OUTPUT_S_PER_VARIABLE if config.plan_written_in_limit else READ_S_PER_VARIABLE
    output_s = max(OUTPUT_SHARE * config.time_limit_s, per_variable * len(ctx.model.proto.variables))
    deadline = config.time_limit_s - ctx.routing_budget_s - output_s
    log.info("model built in %.1f s: %d variables, %d constraints", time.perf_counter() - t0,
             len(ctx.model.proto.variables), len(ctx.model.proto.constraints))

    tiers: list[TierResult] = []
    active = [t for t in tier_order(stability) if any(not isinstance(e, int) for e in ctx.terms[t].values())
              and (wanted is None or t in wanted)]
    fallback = early if greedy is not None else _warm_start_plan(ctx, config, active[0] if active else None)
    whole_hint = False  # the first tier's hint is a whole plan found from the baseline
    if continuity is not None and not pins and active:
        # the first tier starts from the plan closest to the baseline (no worse than the warm start)
        ts = time.perf_counter()
        restore_hints(ctx.model, greedy)
        hint_indicators(ctx.model, continuity)
        near = kept_plan(ctx, continuity, active[0], KEPT_SHARE * (deadline - (ts - t0)), config.workers,
                         config.seed, at_most=None if early is None or max_changes is not None else early.objective_value)
        if near is None:  # the baseline cannot be kept whole (or only worse than the warm start): the fewest changes
            near = closest_plan(ctx, continuity, None if max_changes is not None else active[0],
                                None if early is None else early.objective_value,
                                CLOSEST_SHARE * (deadline - (time.perf_counter() - t0)), config.workers,
                                config.seed)
        if near is not None:
            hint_all(ctx.model, near)
            whole_hint = True
        else:
            hint_decisions(ctx.model, continuity.decisions)
            hint_indicators(ctx.model, continuity)
        log.info("first tier's hint from the baseline %s in %.1f s", "found" if near else "not found",
                 time.perf_counter() - ts)
    solver = None
    status = "OPTIMAL"
    repeatable = config.deterministic
    # With a baseline, every tier above stability breaks its ties by the changes: it minimises
    # weight × tier + changes, weight > any number of changes, so the tier's order is exactly
    # kept while its search stays near the baseline (without this a demo re-plan's critical tier
    # wandered 500 decisions away for a 0.03 % gain that it would have matched near the baseline,
    # and the stability tier could not walk them back in its slice).
    # Without a baseline, every tier but the last breaks its ties by the next tier in the same
    # way: weight × tier + next tier, the weight above the next tier's whole swing. Without it a
    # tier's search returns whatever the next tier's terms happen to be at each better plan: on
    # the demo county the critical tier's slice, 32 high-risk residents better, left 134,000
    # routine residents unsampled where its start had 53,000.
    weight = continuity.weight() if continuity is not None else 1
    last_floor = None  # (index of its TierResult, the job) of the last tier's LP floor, run beside
    # Each tier's LP floor (optimizer/lp_floor.py), but not in a short run: the what-if sweep's
    # 12.7-s runs have ~4 s for all their tiers, and the LP's 0.4-s translation and 0.2-1.2-s
    # solves left their routine tiers without a slice.
    short = deadline - (time.perf_counter() - t0) < LP_FLOOR_MIN_S
    lp = LinearFloor.for_model(ctx.model, ctx.floor_rows) if active and not short else None
    for k, tier in enumerate(active):
        objective = ctx.tier_objective(tier)
        guided = weight > 1 and tier != "stability"
        factor, target = 1, objective
        if guided:
            factor, target = weight, weight * objective + continuity.count()
        elif continuity is None and k + 1 < len(active):
            factor, target = ties_broken_by(ctx.model, objective, ctx.tier_objective(active[k + 1]))
        # The first tier gets the largest slice: without its plan there is no plan at all.
        share = max(FIRST_SHARE, 1 / (len(active) - k)) if k == 0 else 1 / (len(active) - k)
        first = max(FIRST_SHARE, 1 / len(active))
        fraction = first if k == 0 else (1 - first) / (len(active) - 1)
        ts = time.perf_counter()
        # the tier's whole slice, fixed now: its polish and neighbourhoods come out of it, never
        # out of the tiers' below (on the demo they took 9 of the 15 s and left the cost tier none)
        tier_end = ts + share * (deadline - (ts - t0))
        floor_costs = None
        if lp is not None and k == len(active) - 1 and k > 0 and config.workers > 1:
            # The last tier's LP floor in a thread of its own, from after its polish (with both at
            # once, the polish's LP took the time its MIP needed) until the plan is read out (its
            # routes: PyVRP, one core): the tier's search spends most of its slice in CP-SAT's
            # presolve, and in a share of the slice the LP often did not finish (demo county's cost
            # tier: bound 0, a reported gap of 100 % where the LP gives ~16 %). Nothing waits for
            # it but the plan's metadata; no tier below needs its lock.
            floor_costs = lp.costs(ctx.model, objective)
        elif lp is not None:
            floor = lp.bound(ctx.model, objective, LP_FLOOR_SHARE * (tier_end - ts))
            if floor is not None:
                ctx.floors[tier] = max(floor, ctx.floors.get(tier, floor))
        polished = None
        names = polished_in(built, tier)
        # the plan to polish: the tier above's, or for the first tier the warm start's when it is
        # a whole plan (not over a baseline or pins, whose own hint the first tier starts from)
        start = solver if k > 0 else (fallback if continuity is None and pinset is None else None)
        if names and start is not None:
            remaining = deadline - (time.perf_counter() - t0)
            # never so long that CP-SAT's own slice of the tier is too short to hand a plan back
            # ties broken by the next tier (weighted over the freed variables' swing alone, which
            # HiGHS's tolerances need) unless it polishes the same modules again
            then = (ctx.tier_objective(active[k + 1]) if not guided and k + 1 < len(active)
                    and not set(names) <= set(polished_in(built, active[k + 1])) else None)
            incumbent = list(start.response_proto.solution)
            seconds = min(POLISH_SHARE * (tier_end - time.perf_counter()), remaining - MIN_SLICE_S)
            beside = _beside_polish(ctx, config, ranges, tier, incumbent, target if guided else objective, seconds,
                                    config.time_limit_s * DETERMINISTIC_SHARE * fraction * POLISH_SHARE)
            found = polish(ctx.model, incumbent, module_variables(ctx.pool, ranges, names),
                           target if guided else objective, seconds, then=then)
            if found is not None:
                values, complete = found[0], found[2]
                polished = value_at(ctx.model, objective, values)
                repeatable = repeatable and complete  # HiGHS stopped by the clock may differ next run
            if beside is not None:
                laid = beside.laid_over(ctx.model, values if polished is not None else incumbent, target)
                repeatable = repeatable and _repeatable(beside.solver, beside.solver.response_proto.status)
                if laid is not None:
                    values, polished = laid, value_at(ctx.model, objective, laid)
            if polished is not None:
                hint_all(ctx.model, values)
        if floor_costs is not None:
            last_floor = len(tiers), in_thread(lp.solve, floor_costs, t0 + deadline + ctx.routing_budget_s
                                                 - time.perf_counter())
        if start is not None:
            values = values if polished is not None else list(start.response_proto.solution)
            for name, module, mvars in built:
                if mvars is None or tier not in getattr(module, "REPACK", ()):
                    continue
                # a packing that keeps every row is taken as it is (on the demo it always has); one
                # that does not (a lab it overfills) is CP-SAT's hint on the freed variables
                packed = module.repack(ctx, mvars, values, tier)
                if packed is None:
                    continue
                free, plan = packed
                if keeps_rows(ctx.model, plan, free):
                    found = plan, None
                else:
                    remaining = deadline - (time.perf_counter() - t0)
                    seconds = min(REPACK_S, tier_end - time.perf_counter() - MIN_SLICE_S, remaining - MIN_SLICE_S)
                    if seconds < MIN_NEIGHBOURHOOD_S:
                        continue
                    sub = _solver(config, seconds, config.time_limit_s * DETERMINISTIC_SHARE * fraction * REPACK_SHARE)
                    sub.parameters.cp_model_probing_level = 0
                    found = neighbourhood(ctx.model, values, free, target if guided else objective, sub, hint=plan)
                    repeatable = repeatable and _repeatable(sub, sub.response_proto.status)
                if found is not None and guided and value_at(ctx.model, target, found[0]) >= value_at(
                        ctx.model, target, values):
                    found = None  # a re-plan's tier gains nothing for the changes (a routine gain in the first tier)
                if found is not None:
                    before, polished = value_at(ctx.model, objective, values), value_at(ctx.model, objective, found[0])
                    log.info("%s re-packed: tier %s %.0f -> %.0f", name, tier, before, polished)
                    values = found[0]
                    hint_all(ctx.model, values)
        groups = [g for g in NEIGHBOURHOODS.get(tier, ()) if any(ranges.get(n) for n in g)]
        if groups and start is not None and len(ctx.model.proto.variables) <= NEIGHBOURHOOD_MAX_VARIABLES:
            for j, group in enumerate(groups):
                remaining = deadline - (time.perf_counter() - t0)
                # and never into the tier's own slice: CP-SAT's presolve of the whole model and its
                # hinted plan take ~1.9 s on the demo's cost tier
                seconds = min(NEIGHBOURHOOD_SHARE * (tier_end - time.perf_counter()) / (len(groups) - j),
                              tier_end - time.perf_counter() - MIN_SLICE_S, remaining - MIN_SLICE_S)
                if seconds < MIN_NEIGHBOURHOOD_S:
                    break
                sub = _solver(config, seconds, config.time_limit_s * DETERMINISTIC_SHARE * fraction
                              * NEIGHBOURHOOD_SHARE / len(groups))
                sub.parameters.cp_model_probing_level = 0
                found = neighbourhood(ctx.model, values, module_variables(ctx.pool, ranges, group),
                                      target if guided else objective, sub)
                repeatable = repeatable and _repeatable(sub, sub.response_proto.status)
                if found is not None:
                    values, polished = found[0], value_at(ctx.model, objective, found[0])
            if polished is not None:
                hint_all(ctx.model, values)
        # (the floor, the polish and the neighbourhoods each set the model's objective to their own)
        ctx.model.minimize(target)
        s, code = None, cp_model.UNKNOWN
        for attempt in range(2):  # a slow machine may spend a slice in presolve: retry once
            remaining = deadline - (time.perf_counter() - t0)
            if remaining <= 0.2 or (attempt and k > 0):
                break
            # the work budget comes from the configured limit, not the clock left, so that it
            # is the same on every run
            work = config.time_limit_s * DETERMINISTIC_SHARE * (fraction if attempt == 0 else 0.3)
            # never a slice too short for presolve to hand back the hinted plan (a short run's
            # 40 % of 3 s ends with nothing; the tiers below then share what is left)
            seconds = max(tier_end - time.perf_counter() if attempt == 0 else 0.7 * remaining,
                          min(remaining, MIN_SLICE_S))
            s = _solver(config, seconds, work)
            if greedy is not None and k == 0:
                if attempt == 0:
                    # the baseline's choices over the greedy plan (repair costs the first tier its
                    # bound: 99.5 % gap on a demo re-plan, so not when the hint is a whole plan)
                    s.parameters.repair_hint = not whole_hint
                else:
                    restore_hints(ctx.model, greedy)  # retry from the warm starts' whole plan
                    hint_indicators(ctx.model, continuity)
            if k > 0 or len(ctx.model.proto.variables) > LARGE_MODEL or seconds < SHORT_SLICE_S:
                # a lower tier starts from a complete plan, and a city's first-tier probing
                # outlasts its slice (40 s of 48 measured), as does a short run's (the what-if
                # sweep's): spend the time searching instead
                s.parameters.cp_model_probing_level = 0
            code = s.solve(ctx.model, _Progress(tier, factor, ctx.floors.get(tier)) if config.log_progress else None)
            repeatable = repeatable and _repeatable(s, code)
            if code != cp_model.UNKNOWN:
                break
            log.warning("tier %s: no solution in %.1f s, retrying with more time", tier, time.perf_counter() - ts)
        name = STATUS.get(code, "UNKNOWN")
        if code == cp_model.UNKNOWN and polished is not None:
            # CP-SAT found nothing in its slice (a city's presolve), but the polish improved the
            # tier: its plan is kept as the tier's result, with whatever bound CP-SAT proved
            held = _hinted_plan(ctx, config, target)
            if held is not None:
                log.warning("tier %s: no CP-SAT solution in time; keeping the polished plan", tier)
                value = held.value(objective)
                bound = _bound_so_far(s, factor, ctx.floors.get(tier), value)
                tiers.append(TierResult(tier, "POLISHED", value, bound, time.perf_counter() - ts, value))
                status, solver = "FEASIBLE", held
                ctx.model.add(objective <= round(value))
                if lp is not None and k + 1 < len(active):
                    lp.lock(ctx.model, objective, round(value))
                hint_all(ctx.model, held.response_proto.solution)
                continue
        if code == cp_model.UNKNOWN and solver is None and fallback is not None:
            # The first tier found nothing in time (a city's presolve can take that long):
            # the modules' joint warm start is a whole plan that keeps every hard rule, so
            # it is returned, unimproved, rather than no plan at all.
            log.warning("tier %s: no solution in time; returning the warm-start plan", tier)
            s, name = fallback, "WARM_START"
            tiers.append(TierResult(tier, name, s.objective_value, ctx.floors.get(tier) or None,
                                    time.perf_counter() - ts))
            status, solver = "FEASIBLE", s
            repeatable = False
            break
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if solver is None or name != "UNKNOWN":
                tiers.append(TierResult(tier, name, None, None, time.perf_counter() - ts))
                status, solver = name, None
            else:
                # the tier above's plan is kept, unimproved: it is a plan of this tier too (it
                # keeps every lock), so its value is reported, with whatever bound is known
                value = solver.value(objective)
                tiers.append(TierResult(tier, "KEPT", value, _bound_so_far(s, factor, ctx.floors.get(tier), value),
                                        time.perf_counter() - ts))
                status = "FEASIBLE"
            break
        value, bound = s.objective_value, s.best_objective_bound
        if factor > 1:
            # the tier's own value, and its bound: factor × tier ≥ bound − ties, 0 ≤ ties < factor
            value, bound = s.value(objective), math.floor(bound / factor)
        bound = max(bound, ctx.floors.get(tier, 0))  # the modules' own proven bounds, if tighter
        tiers.append(TierResult(tier, name, value, bound, time.perf_counter() - ts, polished))
        if name == "FEASIBLE":
            status = "FEASIBLE"
        # lock this tier for the ones below: its own value, never the changes that broke its ties
        ctx.model.add(objective <= round(value))
        if lp is not None and k + 1 < len(active):
            lp.lock(ctx.model, objective, round(value))
        hint_all(ctx.model, s.response_proto.solution)
        solver = s
    wall = time.perf_counter() - t0
    if solver is None:
        diagnosis = _why_impossible(ctx, config, status, continuity, pinset)
        return SolveResult(status, None, {}, None, None, time.perf_counter() - t0, config.seed, config.workers,
                           config, tiers, diagnosis)

    terms = {name: float(solver.value(e)) if not isinstance(e, int) else float(e)
             for tier in TIERS for name, e in sorted(ctx.terms[tier].items())}
    staffing = ctx.pool.extract(solver)
    sections, roster, shortages = {}, [], []
    for name, module, mvars in built:
        if mvars is not None:
            te = time.perf_counter()
            sections[name], rows, lines = module.extract(ctx, mvars, solver, staffing)
            log.info("%s read out in %.1f s", name, time.perf_counter() - te)
            ctx.sections[name] = sections[name]  # a later module may read an earlier one's plan
            roster += rows
            shortages += lines
    if last_floor is not None:
        at, job = last_floor
        floor = job.result()
        if at < len(tiers) and floor is not None and tiers[at].value is not None and floor <= tiers[at].value:
            tiers[at].bound = max(floor, tiers[at].bound if tiers[at].bound is not None else floor)
    wall = time.perf_counter() - t0  # the plan read out, routes included
    last = next(t for t in reversed(tiers) if t.value is not None)
    meta = SolveMeta(
        status=status, objective=last.value, best_bound=last.bound, gap=last.gap, objective_terms=terms,
        tiers=[{"name": t.name, "status": t.status, "value": t.value, "bound": t.bound, "gap": t.gap,
                 "seconds": round(t.seconds, 3), "polished": t.polished} for t in tiers],
        seed=config.seed, workers=config.workers, deterministic=repeatable,
        time_limit_s=config.time_limit_s, wall_seconds=round(wall, 3), versions=_versions(),
        instance_hash=instance_hash(instance))
    plan = Plan(instance=instance.name, plan_date=instance.plan_date.isoformat(), roster=roster,
                shortages=shortages, meta=meta, **sections)
    plan.kpis = plan_kpis(instance, plan)
    if continuity is not None:
        plan.changes = plan_changes(instance, baseline, plan, continuity.decisions, continuity.kept(solver))
    return SolveResult(status, plan, terms, last.bound, last.gap, wall, config.seed, config.workers, config, tiers)


STABILITY = ("last", "after-critical")


def published_choices(baseline: Plan | None, pins: list | None) -> dict:
    """The choices of the baseline and of the pinned rows, by key (the pins' win)."""
    out = plan_choices(baseline) if baseline is not None else {}
    for pin in pins or []:
        out.update(pin.choices)
    return out


def tier_order(stability: str = "last") -> tuple[str, ...]:
    """The tiers in the order they are solved: stability last (the issue's priorities), or right
    after the critical tier (a re-plan that changes only what the critical tier needs)."""
    if stability not in STABILITY:
        raise ValueError(f"stability must be one of {', '.join(STABILITY)}, not {stability!r}")
    if stability == "last":
        return TIERS
    return ("critical", "stability", *(t for t in TIERS if t not in ("critical", "stability")))


def _why_impossible(ctx: BuildContext, config: SolveConfig, status: str, continuity, pinset) -> list[str]:
    """Name the pins that conflict, or the change budget that is too small (only when the model is
    proven impossible; a time-out proves nothing)."""
    if status != "INFEASIBLE":
        return []
    seconds = max(5.0, 0.25 * config.time_limit_s)
    if pinset is not None:
        lines = conflict_lines(ctx, pinset, seconds, config.seed)
        if lines:
            return lines
    if continuity is not None and continuity.budget is not None:
        fewest, proven = smallest_budget(ctx, continuity, seconds, config.seed)
        if fewest is not None:
            return [f"--max-changes {continuity.budget} is too small: no plan keeps that many decisions of the "
                    f"baseline; the fewest changes any plan needs is {fewest}" if proven else
                    f"--max-changes {continuity.budget} is too small: no plan keeps that many decisions of the "
                    f"baseline; a plan with {fewest} changes exists (fewer may do)"]
        return [f"--max-changes {continuity.budget}: no plan exists even without the change budget"]
    return []


def _versions() -> dict[str, str]:
    try:
        own = metadata.version("fangkong")
    except metadata.PackageNotFoundError:
        own = "dev"
    return {"fangkong": own, "ortools": ortools.__version__, "python": platform.python_version()}
