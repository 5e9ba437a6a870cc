"""Solver-free checks of the road rules (DOMAIN.md §5).

Lifelines are re-routed here with this module's own shortest-path search over the plan's
statuses, never by trusting the routes the plan lists. What a sealed zone, a seal exit and
a mainline are is defined once in `optimizer.roads_rules` (shared with the model).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict

from models.instance import Instance
from models.plan import Plan
from optimizer.checks.violation import Violation
from optimizer.pool import fills_role
from optimizer.roads_rules import (
    RoadRules,
    checkpoint_shifts,
    has_roads,
    is_mainline,
    road_rules,
)

EPS = 1e-6


def _days(inst: Instance) -> range:
    return range(inst.policy.roads.horizon_days) if has_roads(inst) else range(0)


def _status(plan: Plan) -> dict[tuple[str, int], str]:
    return {(a.arc, a.day): a.status for a in plan.roads.arcs}


def _closed(plan: Plan, day: int) -> set[str]:
    return {a.arc for a in plan.roads.arcs if a.day == day and a.status == "closed"}


def route_minutes(rules: RoadRules, source: str, target: str, served: frozenset[str], closed: set[str]) -> float:
    """Shortest qualifying travel time over arcs not closed (math.inf if none): plain Dijkstra."""
    if any(rules.zone.get(n) and rules.zone[n] not in served for n in (source, target)):
        return math.inf
    best = {source: 0.0}
    heap = [(0.0, source)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == target:
            return d
        if d > best[u]:
            continue
        for a in rules.out[u]:
            z = rules.zone.get(a.head)
            if a.id in closed or (z and z not in served):
                continue
            if d + a.free_flow_min < best.get(a.head, math.inf):
                best[a.head] = d + a.free_flow_min
                heapq.heappush(heap, (best[a.head], a.head))
    return math.inf


def check_road_status(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: one status per arc per day of the horizon, for known arcs only."""
    out = []
    arcs = {a.id for a in inst.road_arcs}
    seen: dict[tuple[str, int], int] = defaultdict(int)
    for a in plan.roads.arcs:
        seen[a.arc, a.day] += 1
        if a.arc not in arcs:
            out.append(Violation("road_status", f"arc {a.arc}", "unknown arc"))
    for d in _days(inst):
        for a in sorted(arcs):
            if seen.get((a, d), 0) != 1:
                out.append(Violation("road_status", f"arc {a} day {d}", f"{seen.get((a, d), 0)} statuses"))
    return out


def check_seal_exits(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: every arc leaving a sealed zone is closed or checkpointed."""
    rules, status = road_rules(inst), _status(plan)
    out = []
    for d in _days(inst):
        for a, seal in sorted(rules.exits.items()):
            if is_mainline(rules.arcs[a]):
                continue  # cannot be sealed: the plan must carry a shortage (check_seal_exit_checkpoints)
            if status.get((a, d)) == "open":
                out.append(Violation("seal_exit", f"arc {a} day {d}", f"leaves sealed {seal} but is open"))
    return out


def check_expressway_mainline(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: no closure or checkpoint on an expressway mainline (toll-plaza exits only)."""
    arcs = inst.by_id("road_arcs")
    return [Violation("expressway_mainline", f"arc {a.arc} day {a.day}", f"{a.status} on an expressway mainline")
            for a in plan.roads.arcs if a.status != "open" and a.arc in arcs and is_mainline(arcs[a.arc])]


def check_checkpoint_per_section(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: at most one checkpoint per road section per direction per day."""
    arcs = inst.by_id("road_arcs")
    count: dict[tuple, list[str]] = defaultdict(list)
    for a in plan.roads.arcs:
        if a.status == "checkpoint" and a.arc in arcs:
            count[arcs[a.arc].section, arcs[a.arc].direction, a.day].append(a.arc)
    return [Violation("checkpoint_per_section", f"section {s} {direction} day {d}",
                      f"{len(xs)} checkpoints: {', '.join(sorted(xs))}")
            for (s, direction, d), xs in sorted(count.items()) if len(xs) > 1]


def check_checkpoint_crews(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: a checkpoint is staffed around the clock: every shift has `checkpoint_crew` guards who
    may fill the role, each rostered at that checkpoint for that shift."""
    out = []
    rp = inst.policy.roads
    shifts = checkpoint_shifts(inst)
    staff = inst.by_id("staff")
    status = _status(plan)
    rostered = {(r.staff, r.location, r.day, round(r.start_hour, 3)) for r in plan.roster
                if r.module == "roads" and r.role == "checkpoint_guard"}
    listed = set()
    for c in plan.roads.checkpoints:
        w = f"checkpoint {c.arc} day {c.day}"
        listed.add((c.arc, c.day))
        if status.get((c.arc, c.day)) != "checkpoint":
            out.append(Violation("checkpoint_crew", w, "listed but the arc is not a checkpoint"))
        if len(c.staff) != len(shifts):
            out.append(Violation("checkpoint_crew", w, f"{len(c.staff)} shifts staffed, {len(shifts)} needed"))
        for s, crew in enumerate(c.staff[:len(shifts)]):
            if len(crew) < rp.checkpoint_crew:
                out.append(Violation("checkpoint_crew", w, f"shift {s + 1}: {len(crew)} guards, "
                                                          f"{rp.checkpoint_crew} needed"))
            for pid in crew:
                p = staff.get(pid)
                if p is None or not fills_role(frozenset(p.skills), "checkpoint_guard", inst):
                    out.append(Violation("checkpoint_crew", w, f"{pid} cannot guard a checkpoint"))
                elif (pid, c.arc, c.day, round(shifts[s][0], 3)) not in rostered:
                    out.append(Violation("checkpoint_crew", w, f"{pid} not on the roster for shift {s + 1}"))
    for (arc, day), st in sorted(status.items()):
        if st == "checkpoint" and (arc, day) not in listed:
            out.append(Violation("checkpoint_crew", f"checkpoint {arc} day {day}", "no crew listed"))
    return out


def check_seal_exit_checkpoints(inst: Instance, plan: Plan) -> list[Violation]:
    """Soft (critical): each sealed zone keeps `seal_exit_checkpoints` guarded exits, or the plan
    says it does not (a shortage line); a mainline exit that cannot be sealed is declared too."""
    rules, status = road_rules(inst), _status(plan)
    want_k = inst.policy.roads.seal_exit_checkpoints
    declared = {(s.entity, s.what) for s in plan.shortages if s.module == "roads"}
    out = []
    for d in _days(inst):
        for seal in rules.sealed:
            exits = [a for a, z in rules.exits.items() if z == seal and not is_mainline(rules.arcs[a])]
            have = sum(1 for a in exits if status.get((a, d)) == "checkpoint")
            if have < min(want_k, len(exits)) and \
                    (seal, f"sealed zone without a guarded exit on day {d}") not in declared:
                out.append(Violation("seal_exit_checkpoints", f"sealed {seal} day {d}",
                                     f"{have} guarded exits, {min(want_k, len(exits))} wanted, no shortage line"))
    for a, seal in sorted(rules.exits.items()):
        if is_mainline(rules.arcs[a]) and (a, "sealed zone exit on an expressway mainline") not in declared:
            out.append(Violation("seal_exit", f"arc {a}", f"mainline leaves sealed {seal}; no shortage line"))
    return out


def check_lifelines(inst: Instance, plan: Plan) -> list[Violation]:
    """Soft (critical), exact: every lifeline keeps a route of open or checkpointed arcs within its
    time budget that enters no sealed zone it does not serve, or the plan declares it cut with a
    critical shortage line. The plan's listed route must be such a route."""
    rules = road_rules(inst)
    out = []
    rows = {(x.lifeline, x.day): x for x in plan.roads.lifelines}
    declared = {s.entity for s in plan.shortages if s.module == "roads" and s.tier == "critical"}
    for d in _days(inst):
        closed = _closed(plan, d)
        for lf in sorted(inst.lifelines, key=lambda x: x.id):
            w = f"lifeline {lf.id} day {d}"
            source, target = rules.ends(inst, lf)
            served = rules.served_zones(inst, lf)
            best = math.inf if target is None else route_minutes(rules, source, target, served, closed)
            row = rows.get((lf.id, d))
            if best <= lf.time_budget_min + EPS:
                if row is None or not row.kept:
                    out.append(Violation("lifeline", w, f"a route of {best:.1f} min exists but the plan says cut"))
                else:
                    out += _route_problems(rules, w, row, source, target, served, closed, lf.time_budget_min)
            else:
                if row is not None and row.kept:
                    out.append(Violation("lifeline", w, "listed as kept but no qualifying route within "
                                                        f"{lf.time_budget_min} min exists"))
                if lf.id not in declared:
                    out.append(Violation("lifeline", w, "cut with no critical shortage line"))
    return out


def _route_problems(rules: RoadRules, w: str, row, source: str, target: str, served, closed, budget) -> list[Violation]:
    node = source
    minutes = 0.0
    for a in row.arcs:
        arc = rules.arcs.get(a)
        if arc is None or arc.tail != node:
            return [Violation("lifeline", w, f"route is not a path at arc {a}")]
        if a in closed:
            return [Violation("lifeline", w, f"route uses closed arc {a}")]
        z = rules.zone.get(arc.head)
        if z and z not in served:
            return [Violation("lifeline", w, f"route enters sealed {z}, which it does not serve")]
        node = arc.head
        minutes += arc.free_flow_min
    if node != target:
        return [Violation("lifeline", w, f"route ends at {node}, not the seat {target}")]
    if minutes > budget + EPS or abs(minutes - (row.minutes or 0)) > 0.01:
        return [Violation("lifeline", w, f"route takes {minutes:.2f} min (listed {row.minutes}, budget {budget})")]
    return []


def check_requested_closures(inst: Instance, plan: Plan) -> list[Violation]:
    """Requested closures are kept where harmless: one the plan lifts is listed with a lifeline
    that closing it (the plan's other statuses kept) would cut, or is a checkpoint its sealed
    zone needs as one of its `seal_exit_checkpoints` guarded exits."""
    rules, status = road_rules(inst), _status(plan)
    lifted = {(x.arc, x.day): x for x in plan.roads.lifted}
    lifelines = inst.by_id("lifelines")
    out = []
    for d in _days(inst):
        closed = _closed(plan, d)
        for a in sorted(rules.requested):
            if status.get((a, d)) == "closed" or is_mainline(rules.arcs[a]):
                continue
            w = f"requested closure {a} day {d}"
            x = lifted.get((a, d))
            seal = rules.exits.get(a)
            if x is not None and x.guarded_exit and seal is not None and status.get((a, d)) == "checkpoint":
                guarded = [e for e, z in rules.exits.items() if z == seal and status.get((e, d)) == "checkpoint"]
                exits = [e for e, z in rules.exits.items() if z == seal and not is_mainline(rules.arcs[e])]
                if len(guarded) <= min(inst.policy.roads.seal_exit_checkpoints, len(exits)):
                    continue
                out.append(Violation("requested_closure", w, f"{seal} has other guarded exits: keep it closed"))
                continue
            if x is None or x.lifeline not in lifelines:
                out.append(Violation("requested_closure", w, "lifted without a lifeline it would cut"))
                continue
            lf = lifelines[x.lifeline]
            source, target = rules.ends(inst, lf)
            served = rules.served_zones(inst, lf)
            if target is not None and route_minutes(rules, source, target, served, closed | {a}) \
                    <= lf.time_budget_min + EPS:
                out.append(Violation("requested_closure", w, f"closing it would not cut {lf.id}: keep it closed"))
    return out


def check_pass_routes(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: 一车一证一线路 — a pass route is its lifeline's route; a truck holds a pass and follows
    one route a day."""
    out = []
    rows = {(x.lifeline, x.day): x for x in plan.roads.lifelines}
    vehicles = inst.by_id("vehicles")
    used: dict[tuple[str, int], list[str]] = defaultdict(list)
    for p in plan.roads.passes:
        row = rows.get((p.lifeline, p.day))
        if row is None or row.arcs != p.arcs:
            out.append(Violation("pass_route", f"pass {p.id}", "not the lifeline's route"))
        for vid in p.vehicles:
            used[vid, p.day].append(p.id)
            v = vehicles.get(vid)
            if v is None or not v.has_pass:
                out.append(Violation("pass_route", f"pass {p.id}", f"vehicle {vid} holds no pass"))
    for (vid, d), ids in sorted(used.items()):
        if len(ids) > 1:
            out.append(Violation("pass_route", f"vehicle {vid} day {d}", f"{len(ids)} routes: {', '.join(ids)}"))
    return out


CHECKS = (check_road_status, check_seal_exits, check_expressway_mainline, check_checkpoint_per_section,
          check_checkpoint_crews, check_seal_exit_checkpoints, check_lifelines, check_requested_closures,
          check_pass_routes)
