"""Re-plans that change little from the published plan (`solve --baseline`, DOMAIN.md "Priorities" 5).

The stability tier counts changed decisions (optimizer.decisions): one per case whose
epidemiologist or police officer changes, per team start moved, per grid served by another
site, per sampling site opened or closed, per shift whose desk count changes, per township →
lab tube flow changed, per arrival group whose people at a site change, per reserve activated
or not, per arc and day whose status changes, per shipment (source × township × commodity ×
day) whose quantity changes. It is the last tier, so it only chooses among plans equal in
every higher tier; `--max-changes K` is a hard row (changes ≤ K) on top of it, which wins over
soft shortages: a new case with K = 0 stays untraced and is reported as a shortage.

The baseline is a hint (its choices override the warm starts' for the variables that realise
them), never a fixed value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from ortools.sat.python import cp_model, cp_model_helper

from models.choices import covered_dates, plan_choices
from models.instance import Instance
from models.plan import Change, Plan
from optimizer.context import BuildContext
from optimizer.decisions import Decision, decisions
from optimizer.hints import override_hints, restore_hints, saved_hints

log = logging.getLogger(__name__)

NOTHING = ("", 0, "0")


def baseline_problems(instance: Instance, baseline: Plan) -> list[str]:
    """Why a plan cannot be this instance's baseline: another instance, or a date after this one's
    or older than the horizon (its decisions would all be over)."""
    if baseline.instance != instance.name:
        return [f"the baseline is a plan of instance {baseline.instance!r}, not {instance.name!r}"]
    try:
        when = date.fromisoformat(baseline.plan_date)
    except ValueError:
        return [f"plan_date {baseline.plan_date!r} is not a date"]
    days = (instance.plan_date - when).days
    horizon = max(instance.policy.isolation.horizon_days, instance.policy.roads.horizon_days)
    if days < 0:
        return [f"the baseline is dated {when}, after this plan's date {instance.plan_date}"]
    if days >= horizon:
        return [f"the baseline is dated {when}, {days} days before {instance.plan_date}: older than the "
                f"{horizon}-day horizon, none of its decisions still stands"]
    return []


@dataclass
class Continuity:
    baseline: Plan
    decisions: list[Decision]
    changed: list  # an indicator per decision (a Boolean expression or a constant)
    budget: int | None = None
    budget_row: int | None = None  # the budget's constraint index, to relax it when diagnosing

    def count(self) -> cp_model.LinearExprT:
        return sum(self.changed)

    def weight(self) -> int:
        """A factor on a tier's value that outweighs any number of changes, so that a tier can
        break its ties by the changes (weight × tier + changes) without trading any of itself."""
        return len(self.changed) + 1

    def kept(self, solver: cp_model.CpSolver) -> set:
        """The keys of the decisions the solution keeps (change indicator 0)."""
        return {d.key for d, c in zip(self.decisions, self.changed)
                if (c if isinstance(c, int) else solver.value(c)) == 0}


def add_continuity(ctx: BuildContext, built: list, baseline: Plan, max_changes: int | None) -> Continuity:
    """The stability tier's terms (changes per module) and the change budget, if any."""
    ds = decisions(ctx, built, plan_choices(baseline), every=True, dates=covered_dates(baseline))
    changed = [d.changed(ctx.model) for d in ds]
    by_module: dict[str, list] = {}
    for d, c in zip(ds, changed):
        by_module.setdefault(d.module, []).append(c)
    for module, cs in sorted(by_module.items()):
        ctx.add_term("stability", f"{module}.changes", sum(cs))
    cont = Continuity(baseline, ds, changed, max_changes)
    if max_changes is not None:
        cont.budget_row = len(ctx.model.proto.constraints)
        ctx.model.add(cont.count() <= max_changes)
    return cont


def hint_decisions(model: cp_model.CpModel, ds: list[Decision]) -> None:
    """Hint the variables that realise these decisions, over whatever the warm starts hinted."""
    override_hints(model, [(x, val) for d in ds for x, val in d.hints])


def hint_indicators(model: cp_model.CpModel, cont: Continuity | None) -> None:
    """Hint each change indicator of an integer decision as the current hints imply, so that a
    whole hint stays whole (CP-SAT takes a complete hint as a solution at once)."""
    if cont is None:
        return
    hint = model.proto.solution_hint
    values = dict(zip(hint.vars, hint.values))
    pairs = []
    for d, c in zip(cont.decisions, cont.changed):
        if isinstance(c, int) or isinstance(d.expr, int) or c is d.expr or not hasattr(c, "index"):
            continue
        flat = cp_model_helper.FlatIntExpr(d.expr)
        if all(v.index in values for v in flat.vars):
            value = flat.offset + sum(k * values[v.index] for v, k in zip(flat.vars, flat.coeffs))
            pairs.append((c, int(value != d.value)))
    override_hints(model, pairs)


def kept_plan(ctx: BuildContext, cont: Continuity, tier: str | None, seconds: float, workers: int, seed: int,
              at_most: float | None = None) -> list[int] | None:
    """The baseline kept wherever the model can keep it, as a whole plan to hint the first tier.

    Every variable that realises a baseline decision is fixed to its value for a moment, except
    the choices for needs the baseline never saw (a new case's team, a new cohort's site: free to
    be met from what the kept plan leaves spare); shipments are kept as a floor, since a plan's shipments are what its
    routes carried, cut back from what its model sent. Then one short solve of that small model:
    the best `tier` value, ties broken by the fewest changes. None when the baseline cannot be kept (a choice no longer
    possible), nothing was found in time, or what was found is worse in `tier` than `at_most`
    (the warm starts' value: a first tier started behind the plain warm start may not catch up
    in its slice — measured 7,000 critical units behind on a demo re-plan). Domains and rows are
    restored either way."""
    saved: dict[int, list[int]] = {}
    variables = ctx.model.proto.variables
    needs = _new_needs(ctx.instance, cont.baseline)
    for d in cont.decisions:
        if _need_of(d, needs):
            continue  # a need the baseline never saw (a new case's team): the re-plan's to meet
        for x, value in d.hints:
            domain = variables[x.index].domain
            top = domain[len(domain) - 1]
            if x.index in saved or not domain[0] <= value <= top:
                continue
            saved[x.index] = list(domain)
            domain.clear()
            domain.extend([value, top] if d.module == "supply" else [value, value])
    saved_hint = saved_hints(ctx.model)
    # The pool's counters are hinted by the warm starts' greedy plan, which staffs the greedy's
    # decisions, not the baseline's; followed, they keep CP-SAT from staffing the kept plan (a
    # demo re-plan's kept plan left 9,352 isolation site-staff units short in its slice and came
    # out 7,000 critical units behind the baseline; unhinted, 11 changes and 300 behind).
    names = ctx.model.proto.variables
    unstaffed = [(v, x) for v, x in zip(*saved_hint) if not names[v].name.startswith("staff[")]
    restore_hints(ctx.model, ([v for v, _ in unstaffed], [x for _, x in unstaffed]))
    found = None
    try:
        # the best `tier` value, ties broken by the fewest changes (new needs, choices no longer
        # possible), as the tiers of solve() do: one solve, the weight outranking any count
        value = ctx.tier_objective(tier) if tier is not None else 0
        ctx.model.minimize(cont.weight() * value + cont.count())
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.5, seconds)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        code = solver.solve(ctx.model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            reached = solver.value(value) if tier is not None else 0
            if at_most is not None and reached > at_most:
                log.info("baseline kept: tier %s %.0f, behind the warm start's %.0f", tier, reached, at_most)
            else:
                found = list(solver.response_proto.solution)
    finally:
        for index, domain in saved.items():
            variables[index].domain.clear()
            variables[index].domain.extend(domain)
        restore_hints(ctx.model, saved_hint)
    return found


def closest_plan(ctx: BuildContext, cont: Continuity, tier: str | None, at_most: float | None, seconds: float,
                 workers: int, seed: int) -> list[int] | None:
    """A whole plan as close to the baseline as the rules allow, to hint the first tier with.

    The baseline's choices laid over the warm starts' hint rarely form a plan (a new case needs a
    team, the staff counters follow the greedy plan), and CP-SAT may spend the first tier's slice
    repairing them. This short solve minimises the changes alone, from the warm starts' whole plan;
    `tier <= at_most` (the warm starts' value of the first tier, which they reach) keeps the
    hint at least as good there, so the first tier never starts behind the plain warm start. The
    row stays: every plan the tiers would accept meets it. None if nothing was found in time."""
    if tier is not None and at_most is not None:
        ctx.model.add(ctx.tier_objective(tier) <= round(at_most))
    ctx.model.minimize(cont.count())
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    code = solver.solve(ctx.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(solver.response_proto.solution)


def smallest_budget(ctx: BuildContext, cont: Continuity, seconds: float, seed: int) -> tuple[int | None, bool]:
    """With the budget lifted, the fewest changes any plan needs: (K, proven). (None, False) when no
    plan exists even without the budget, or none was found in time."""
    if cont.budget_row is None:
        return None, False
    domain = ctx.model.proto.constraints[cont.budget_row].linear.domain
    kept = domain[len(domain) - 1]
    domain[len(domain) - 1] = len(cont.changed)
    try:
        ctx.model.minimize(cont.count())
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(1.0, seconds)
        solver.parameters.num_workers = 2
        solver.parameters.random_seed = seed
        code = solver.solve(ctx.model)
    finally:
        domain[len(domain) - 1] = kept
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    return int(round(solver.objective_value)), code == cp_model.OPTIMAL


def _nothing(value) -> bool:
    return value in NOTHING


def plan_changes(instance: Instance, baseline: Plan, plan: Plan, ds: list[Decision],
                 kept: set | None = None) -> list[Change]:
    """The decisions this plan changed from the baseline, each with the need that forced it as far
    as the two plans show it (see `Change.reason`); then each vehicle whose stops changed. `kept`:
    the keys the solve kept (its change indicator 0): a shipment among them that the plan shows
    changed was carried differently by tonight's routes (a plan's shipments are what its routes
    carried), `routes_cut`, not counted."""
    old_ch, new_ch = plan_choices(baseline), plan_choices(plan)
    needs = _new_needs(instance, baseline)
    old_short = {s.entity for s in baseline.shortages if s.entity}
    old_short |= {f"supply:{s.township}" for s in baseline.shortages if s.module == "supply" and s.township}
    new_short = {s.entity: s.binding_resource for s in plan.shortages if s.entity}
    rows: list[tuple[Decision, str, str]] = []
    for d in ds:
        old, new = d.read(old_ch), d.read(new_ch)
        if str(old) != str(new):
            rows.append((d, str(old), str(new)))
    # resources (people, sites) the new needs took: a change that freed one made way for them
    taken: dict[str, str] = {}
    for d, old, new in rows:
        need = _need_of(d, needs)
        if need and not _nothing(new):
            taken.setdefault(new, need)
            if d.key[0] == "cohorts":
                taken.setdefault(d.key[2], need)
    moved = _tiers_moved(baseline, plan)
    out = []
    for d, old, new in rows:
        reason, detail = _reason(d, old, new, needs, old_short, new_short, taken)
        if kept is not None and d.key in kept and d.key[0] == "ship":
            reason, detail = "routes_cut", ""
        if reason == "cheaper":
            detail = moved
        out.append(Change(stakeholder=d.stakeholder[0], stakeholder_id=d.stakeholder[1], module=d.module,
                          decision="|".join(d.key), what=d.label, old=old, new=new, reason=reason,
                          reason_detail=detail))
    return out + vehicle_changes(baseline, plan, out)


def _tiers_moved(baseline: Plan, plan: Plan) -> str:
    """How each priority tier's value moved from the baseline (`critical -707; cost -114909`): what
    a change no single need explains was traded for. The baseline's values are of its own day,
    so a new need shows here as a rise."""
    old = {t["name"]: t.get("value") for t in baseline.meta.tiers}
    parts = []
    for t in plan.meta.tiers:
        a, b = old.get(t["name"]), t.get("value")
        if t["name"] != "stability" and a is not None and b is not None and round(b - a):
            parts.append(f"{t['name']} {round(b - a):+d}")
    return "; ".join(parts)


def _new_needs(instance: Instance, baseline: Plan) -> dict[str, set[str]]:
    """Entities of this instance the baseline never saw: cases, cohorts, grids to sample."""
    return {
        "case": {c.id for c in instance.cases} - {a.case for a in baseline.tracing.assignments},
        "cohort": {c.id for c in instance.cohorts} - {p.cohort for p in baseline.isolation.placements}
        - {s.entity for s in baseline.shortages if s.entity},
        "grid": {g.id for g in instance.grids} - {a.grid for a in baseline.sampling.grids},
    }


def _entities(d: Decision) -> list[str]:
    kind = d.key[0]
    if kind in ("case", "start", "grid"):
        return [d.key[1]]
    if kind == "cohorts":
        return d.key[1].split("+")
    return []


def _need_of(d: Decision, needs: dict[str, set[str]]) -> str:
    kind = {"case": "case", "start": "case", "grid": "grid", "cohorts": "cohort"}.get(d.key[0])
    if kind is None:
        return ""
    new = [e for e in _entities(d) if e in needs[kind]]
    return ",".join(new)


def _reason(d: Decision, old: str, new: str, needs, old_short: set, new_short: dict, taken: dict
            ) -> tuple[str, str]:
    need = _need_of(d, needs)
    if isinstance(d.expr, int) and d.expr != d.value:
        return "not_possible", ""  # the model has no way to keep it (a person no longer a candidate)
    if d.key[0] == "ship" and int(new or 0) > int(old or 0) and f"supply:{d.key[2]}" in old_short:
        return "fixes_shortage", d.key[2]  # more goods to a township the baseline left short
    if need:
        return {"case": "new_case", "start": "new_case", "cohorts": "new_cohort"}.get(d.key[0], "new_need"), need
    ents = _entities(d)
    if _nothing(old) and any(e in old_short for e in ents):
        return "fixes_shortage", ",".join(e for e in ents if e in old_short)
    if _nothing(new) and any(e in new_short for e in ents):
        return "now_short", next(new_short[e] for e in ents if e in new_short)
    for resource in (old, d.key[2] if d.key[0] == "cohorts" else ""):
        if resource and resource in taken:
            return "makes_way", taken[resource]
    return "cheaper", ""


def vehicle_changes(baseline: Plan, plan: Plan, changes: list[Change]) -> list[Change]:
    """Vehicles whose stops on a date differ (routes are a second stage, not a counted decision)."""
    from models.choices import day_date

    def stops(p: Plan) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], list[str]] = {}
        for r in p.supply.routes:
            out.setdefault((r.vehicle, day_date(p.plan_date, r.day)), []).extend(s.destination for s in r.stops)
        return {k: "→".join(v) for k, v in out.items()}

    old, new = stops(baseline), stops(plan)
    days = {day_date(plan.plan_date, r.day) for r in plan.supply.routes}
    shipped = any(c.module == "supply" for c in changes)
    out = []
    for key in sorted(set(old) | set(new)):
        if key[1] not in days and key not in new:
            continue  # a day this plan does not route
        if old.get(key, "") != new.get(key, ""):
            out.append(Change(stakeholder="vehicle", stakeholder_id=key[0], module="supply",
                              decision=f"route|{key[0]}|{key[1]}", what=f"route of {key[0]} on {key[1]}",
                              old=old.get(key, ""), new=new.get(key, ""),
                              reason="routes" if shipped else "cheaper"))
    return out
