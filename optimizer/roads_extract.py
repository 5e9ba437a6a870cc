"""Read the road section, the checkpoint roster and the road shortage lines from a solution.

Statuses come from the solver; routes, resilience, lifted-closure reasons and pass routes are
recomputed on the plan's roads, so the section says what the roads allow, not what the
solver's indicator variables claim.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from models.plan import RosterEntry, Shortage
from models.plan_roads import (
    ArcStatus,
    Checkpoint,
    LifelineRoute,
    LiftedClosure,
    PassRoute,
    RoadSection,
)
from optimizer.context import BuildContext
from optimizer.roads_resilience import PlanGraphs, resilience
from optimizer.roads_routes import LifelineRoutes, shortest_route
from optimizer.roads_rules import checkpoint_shifts

if TYPE_CHECKING:
    from optimizer.roads import RoadVars


def extract(ctx: BuildContext, v: RoadVars, solver: cp_model.CpSolver, staffing: dict
            ) -> tuple[RoadSection, list[RosterEntry], list[Shortage]]:
    inst = ctx.instance
    section = RoadSection()
    roster: list[RosterEntry] = []
    shortages: list[Shortage] = []
    for d in v.days:
        closed = _keep_harmless_requests(ctx, v, {a for a in v.blockable if solver.boolean_value(v.closed[a, d])})
        cps = sorted(a for a in v.blockable if v.is_exit(a) and a not in closed)
        section.arcs += _statuses(v, d, closed)
        rows, people = _checkpoints(ctx, v, d, cps, staffing)
        section.checkpoints += rows
        roster += people
        graphs = PlanGraphs(v.rules, closed, max((lf.time_budget_min for lf in inst.lifelines), default=0))
        lines = [_lifeline(ctx, v, r, d, closed, set(cps), graphs) for r in v.routes]
        section.lifelines += lines
        section.lifted += _lifted(ctx, v, d, closed, lines)
        section.passes += _passes(ctx, d, lines)
        shortages += _lifeline_shortages(lines, d)
        shortages += _seal_shortages(ctx, v, d, cps)
    for a in v.unsealable:
        seal = v.rules.exits[a]
        shortages.append(Shortage(
            module="roads", tier="critical", what="sealed zone exit on an expressway mainline", township=seal,
            entity=a, quantity=1, unit="arcs",
            binding_resource="no toll-plaza exit: a mainline may be neither closed nor checkpointed"))
    return section, roster, shortages


def _keep_harmless_requests(ctx: BuildContext, v: RoadVars, closed: set[str]) -> set[str]:
    """Close again every requested arc the solution lifted without need — closing it cuts no
    lifeline kept and leaves its seal its guarded exits. The routine tier does this when it
    runs; when the time limit stops the solve in the critical tier, this repair does. Closing
    never breaks a hard rule (a checkpoint's guards are then simply not rostered)."""
    rp = ctx.instance.policy.roads
    closed = set(closed)
    for a in v.blockable:
        if a in closed or a not in v.rules.requested:
            continue
        seal = v.rules.exits.get(a)
        if seal is not None:
            guarded = [e for e in v.exits_of(seal) if e not in closed]
            if len(guarded) <= min(rp.seal_exit_checkpoints, len(v.exits_of(seal))):
                continue
        if not any(_cuts(v, r, closed, a) for r in v.routes):
            closed.add(a)
    return closed


def _cuts(v: RoadVars, r: LifelineRoutes, closed: set[str], a: str) -> bool:
    """Closing `a` as well cuts this lifeline, which is kept now."""
    if r.kind == "free" or r.kind == "impossible" or r.target is None:
        return False
    if a not in ({x for s in r.signatures for x in s} if r.kind == "signatures" else set(r.ellipse)):
        return False
    budget = r.lifeline.time_budget_min
    return shortest_route(v.rules, r.source, r.target, r.served, closed, budget) is not None and \
        shortest_route(v.rules, r.source, r.target, r.served, closed | {a}, budget) is None


def _statuses(v: RoadVars, d: int, closed: set[str]) -> list[ArcStatus]:
    out = []
    for a in v.rules.arcs.values():
        seal = v.rules.exits.get(a.id)
        asked = v.rules.requested.get(a.id, [])
        if (a.id, d) not in v.closed:
            out.append(ArcStatus(arc=a.id, day=d, status="open", seal=seal, requested_by=asked))
            continue
        status = "closed" if a.id in closed else "checkpoint" if seal else "open"
        reason = "lifted" if asked and status != "closed" else "seal_exit" if seal else "requested"
        out.append(ArcStatus(arc=a.id, day=d, status=status, reason=reason, seal=seal, requested_by=asked))
    return out


def _checkpoints(ctx: BuildContext, v: RoadVars, d: int, cps: list[str], staffing: dict
                 ) -> tuple[list[Checkpoint], list[RosterEntry]]:
    rp = ctx.instance.policy.roads
    shifts = checkpoint_shifts(ctx.instance)
    rows: dict[str, Checkpoint] = {}
    roster = []
    by_town: dict[str, list[str]] = defaultdict(list)
    for a in cps:
        by_town[v.rules.exits[a]].append(a)
    for town, arcs in sorted(by_town.items()):
        for a in arcs:
            arc = v.rules.arcs[a]
            rows[a] = Checkpoint(arc=a, day=d, township=town, seal=town, section=arc.section,
                                 direction=arc.direction, shifts=len(shifts), crew_per_shift=rp.checkpoint_crew,
                                 staff=[[] for _ in shifts])
        for s, (start, end) in enumerate(shifts):
            people = list(staffing.get(v.blocks[d, town, s], []))
            for a in arcs:
                crew, people = people[:rp.checkpoint_crew], people[rp.checkpoint_crew:]
                rows[a].staff[s] = [p.id for p, _ in crew]
                roster += [RosterEntry(staff=p.id, name=p.name, role="checkpoint_guard", module="roads", location=a,
                                       township=town, day=d, start_hour=start, end_hour=end, travel_min=round(t, 1))
                           for p, t in crew]
    return [rows[a] for a in cps], roster


def _lifeline(ctx: BuildContext, v: RoadVars, r: LifelineRoutes, d: int, closed: set[str], cps: set[str],
              graphs: PlanGraphs) -> LifelineRoute:
    lf = r.lifeline
    res = resilience(graphs, r.served, r.source, r.target, lf.time_budget_min)
    row = LifelineRoute(lifeline=lf.id, day=d, source=lf.source, township=lf.township, kept=res.kept,
                        nodes=res.nodes, arcs=res.arcs, minutes=res.minutes, budget_min=lf.time_budget_min,
                        checkpoints=[a for a in res.arcs if a in cps], disjoint_routes=res.disjoint,
                        disjoint_routes_max=res.disjoint_max, critical_arcs=res.critical)
    if not res.kept:
        row.cut_by_arcs = sorted(_cutting_arcs(v, r, closed))
        row.cut_by_seals = _cutting_seals(v, r, closed)
    return row


def _cutting_arcs(v: RoadVars, r: LifelineRoutes, closed: set[str]) -> set[str]:
    if r.kind == "signatures":
        return {a for sig in r.signatures for a in sig if a in closed}
    if r.kind == "flow":
        return {a for a in r.ellipse if a in closed}
    return set()


def _cutting_seals(v: RoadVars, r: LifelineRoutes, closed: set[str]) -> list[str]:
    """Sealed zones whose roads, were the lifeline allowed through, would keep it in budget."""
    if r.target is None:
        return []
    everywhere = frozenset(v.rules.sealed)
    sealing = {a for a, z in v.rules.exits.items() if z not in r.served}  # closed because of those seals
    found = shortest_route(v.rules, r.source, r.target, everywhere, closed - sealing, r.lifeline.time_budget_min)
    if found is None:
        return []
    arcs = v.rules.arcs
    zones = {v.rules.zone.get(arcs[a].head) for a in found[1]} | {v.rules.zone.get(r.source)}
    return sorted(z for z in zones if z and z not in r.served)


def _lifted(ctx: BuildContext, v: RoadVars, d: int, closed: set[str], lines: list[LifelineRoute]
            ) -> list[LiftedClosure]:
    """Requested closures the plan lifts, each with a lifeline it would cut if closed as well."""
    out = []
    kept = {x.lifeline for x in lines if x.kept}
    for a in v.blockable:
        asked = v.rules.requested.get(a)
        if not asked or a in closed:
            continue
        cause = next((r.lifeline.id for r in v.routes if r.lifeline.id in kept and _cuts(v, r, closed, a)), None)
        out.append(LiftedClosure(arc=a, day=d, requested_by=asked, lifeline=cause,
                                 guarded_exit=cause is None and v.is_exit(a),
                                 status="checkpoint" if v.is_exit(a) else "open"))
    return out


def _passes(ctx: BuildContext, d: int, lines: list[LifelineRoute]) -> list[PassRoute]:
    """一车一证一线路: one pass route per kept lifeline; the source's pass-holding trucks are
    shared out over its routes, each truck on exactly one."""
    trucks: dict[str, list[str]] = defaultdict(list)
    for veh in sorted(ctx.instance.vehicles, key=lambda x: x.id):
        if veh.kind == "truck" and veh.has_pass:
            trucks[veh.depot].append(veh.id)
    out = []
    by_source: dict[str, list[LifelineRoute]] = defaultdict(list)
    for x in lines:
        if x.kept and x.arcs:
            by_source[x.source].append(x)
    for src, xs in sorted(by_source.items()):
        for k, x in enumerate(xs):
            out.append(PassRoute(id=f"P{d}-{x.lifeline}", lifeline=x.lifeline, day=d, source=src,
                                 township=x.township, vehicles=trucks[src][k::len(xs)], arcs=x.arcs,
                                 checkpoints=x.checkpoints, minutes=x.minutes or 0))
    return out


def _lifeline_shortages(lines: list[LifelineRoute], d: int) -> list[Shortage]:
    out = []
    for x in lines:
        if x.kept:
            continue
        causes = []
        if x.cut_by_arcs:
            causes.append("closed arcs " + ", ".join(x.cut_by_arcs))
        if x.cut_by_seals:
            causes.append("sealed zones " + ", ".join(x.cut_by_seals))
        if not causes:
            causes.append(f"no route within {x.budget_min} min even with every road open")
        out.append(Shortage(module="roads", tier="critical", what=f"lifeline cut on day {d}", township=x.township,
                            entity=x.lifeline, quantity=1, unit="lifelines", binding_resource="; ".join(causes)))
    return out


def _seal_shortages(ctx: BuildContext, v: RoadVars, d: int, cps: list[str]) -> list[Shortage]:
    rp = ctx.instance.policy.roads
    out = []
    for seal in v.rules.sealed:
        exits = v.exits_of(seal)
        want = min(rp.seal_exit_checkpoints, len(exits))
        have = sum(1 for a in exits if a in cps)
        if have >= want:
            continue
        blocks = [b for (day, t, _), b in v.blocks.items() if day == d and t == seal]
        eligible = max((ctx.pool.eligible_supply(b) for b in blocks), default=0)  # one block a day each
        need = rp.checkpoint_crew * len(blocks) * want
        why = (f"checkpoint guards within commuting range of {seal}: {eligible} eligible, {need} needed a day"
               if eligible < need else f"checkpoint guards within commuting range of {seal} taken by other duties")
        out.append(Shortage(module="roads", tier="critical", what=f"sealed zone without a guarded exit on day {d}",
                            township=seal, entity=seal, quantity=want - have, unit="checkpoints",
                            binding_resource=why))
    return out
