"""Tracing (流调, DOMAIN.md §2): a team for every case within its deadlines, and the rota.

Cases go to named investigators: one CDC epidemiologist and one police officer per case
(三公联动), each chosen by the generalized-assignment core (`optimizer.assignment`, the model
the GAP benchmarks run through) with the investigator's duty minutes as capacity. On top of
it, per person: interval variables that never overlap, one duty township for the day (no
travel between cases; travel from home counts against the hours), a duty span within the
hours per day that starts after the minimum rest, and `pool.person_busy` so the pool keeps
that person out of every counted block of the day. IT support, the on-call rota and the
deadlines are in `tracing_rota` and `tracing_rules`.

Time unit: minutes from 00:00 of day 0. Objective terms:
- critical `tracing.late_hours`: hours late per deadline, rounded up, summed over cases
  `tracing.on_call_gap` from the rota (uncovered on-call team-hours, weighted);
- routine `tracing.late_minutes`: the same lateness in minutes, so a case is not left
  59 minutes late when one would do; `tracing.wait_minutes`: minutes from the report (or
  00:00) to the team's start, so no team waits without need even when on time;
- cost `tracing.lending` (an investigator working outside the home township, per day) and
  `tracing.staff_hours` (duty span plus travel, at the staff hourly cost).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.instance import StaffMember, TracingCase
from optimizer.context import BuildContext
from optimizer.tracing_assign import Candidate, assign_role, candidates, thin_around
from optimizer.tracing_floor import OnCall, Relaxation, relax
from optimizer.tracing_greedy import GreedyPlan, greedy_schedule, set_aside_for_on_call
from optimizer.tracing_rota import (
    Supply,
    add_it_support,
    add_on_call_rota,
    block,
    on_call_bases,
)
from optimizer.tracing_rules import (
    DAY_END,
    ROLES,
    core_due_min,
    core_info_offset_min,
    earliest_start_min,
    has_tracing,
    it_hub,
    report_due_min,
    shifts,
    workload_min,
)

WARM_ORDER = 0  # its greedy replans within what the ledger left; warm starts take staff in this order (optimizer/solve.py)


@dataclass
class PersonVars:
    person: StaffMember
    roles: list[str]
    duty: dict  # township -> Duty
    base: dict[str, cp_model.IntVar]  # township -> works there today
    span_start: cp_model.IntVar
    span_end: cp_model.IntVar
    cases: list[tuple[int, str, cp_model.IntVar]] = field(default_factory=list)  # (case, role, assigned)


@dataclass
class TracingVars:
    cases: list[TracingCase]
    work: list[int]
    start: list[cp_model.LinearExprT]
    traced: list[cp_model.LinearExprT]
    untraced: list[cp_model.IntVar]  # the case is not traced on day 0
    untraced_police: list[cp_model.IntVar]  # the police core's copy (equal to `untraced`)
    assign: dict[str, dict[tuple[int, str], cp_model.IntVar]]  # role -> (case, person) -> assigned
    people: dict[str, PersonVars]
    shifts: list[tuple[int, int]]
    on_call: dict
    on_call_gap: list
    it: dict
    it_hub: dict
    starts_in: dict
    late_hours: dict[tuple[int, str], cp_model.IntVar]  # (case, "core" | "report") -> hours late
    late_minutes: dict[tuple[int, str], cp_model.IntVar]
    cost: dict[str, cp_model.IntVar]  # person -> yuan of duty hours
    symmetric: list[list[PersonVars]]  # interchangeable people, in id order
    greedy: GreedyPlan
    greedy_inputs: tuple  # (windows, thinned candidates, IT people, set aside, order): to re-plan at warm start


def build(ctx: BuildContext) -> TracingVars | None:
    """Add the tracing module to the shared model; None for an instance without tracing (no
    cases, and no one who could trace or no on-call rota asked for)."""
    inst, model = ctx.instance, ctx.model
    cases = sorted(inst.cases, key=lambda c: c.id)
    if not has_tracing(inst):
        return None
    work = [workload_min(inst, c) for c in cases]
    window = [(earliest_start_min(c), DAY_END - w) for c, w in zip(cases, work)]
    cands = {role: candidates(ctx, cases, work, role) for role in ROLES}
    sh = shifts(inst)
    supply, bases = Supply(ctx), on_call_bases(ctx)  # who could take a tracing block; where on call stands by
    # crowded days: tracing-stress takes 2.7-3.7 s of a 50-s run
    relaxed = relax(inst, cases, 2 * ctx.warm_seconds, _on_call_seen(ctx, sh, supply, bases))
    greedy, it_people, aside, order = _greedy(ctx, cases, work, window, cands, sh, relaxed, supply, bases)
    for role in ROLES:
        published = {i: str(ctx.published.get(("case", c.id, role), "")) for i, c in enumerate(cases)}
        thin_around(cands[role], greedy, role, window, work, published)

    assign: dict[str, dict] = {}
    untraced = assign_role(ctx, "epidemiologist", cases, work, cands["epidemiologist"], None, assign)
    untraced_police = assign_role(ctx, "police", cases, work, cands["police"], untraced, assign)
    start: list[cp_model.IntVar] = []
    for i, c in enumerate(cases):
        lo, hi = window[i]
        s = model.new_int_var(min(lo, DAY_END), DAY_END, f"start[{c.id}]")
        model.add(s <= hi).only_enforce_if(untraced[i].Not())
        model.add(s == DAY_END).only_enforce_if(untraced[i])
        start.append(s)
    traced = [1 - u for u in untraced]
    people, symmetric = _add_people(ctx, cases, work, start, cands, assign)
    starts_in, it, hubs = add_it_support(ctx, cases, sh, start, traced, window)
    on_call, gaps = add_on_call_rota(ctx, sh)
    late_h, late_m = _add_lateness(ctx, cases, work, start)
    if relaxed is not None and relaxed.floor:
        # Redundant: every plan keeps it. It gives CP-SAT's LP and the LP floor the schedule's
        # bound, which they cannot see in the intervals (demo county: 633 where they had 548 and 0).
        model.add(sum(late_h.values()) >= relaxed.floor)
    if relaxed is not None and relaxed.with_rota:
        # the same with the on-call rota: people on call trace nothing that day
        # (demo county: 654 hours late or on-call gap where 633 hours late alone)
        model.add(ctx.terms["critical"]["tracing.late_hours"] + ctx.terms["critical"]["tracing.on_call_gap"]
                  >= relaxed.with_rota)
    if relaxed is not None and relaxed.routine:
        # and the routine terms' (demo county: 43,660 minutes where the LP floor had 34,558), for the
        # LP floors only
        ctx.floor_rows.append((ctx.terms["routine"]["tracing.late_minutes"]
                               + ctx.terms["routine"]["tracing.wait_minutes"], relaxed.routine))
    if relaxed is not None:
        # the modules' terms in a tier are disjoint: their floors add up
        ctx.floors["critical"] += max(relaxed.floor, relaxed.with_rota or 0)
        ctx.floors["routine"] += relaxed.routine or 0
    cost = _add_costs(ctx, people)
    return TracingVars(cases, work, start, traced, untraced, untraced_police, assign, people, sh, on_call, gaps, it,
                       hubs, starts_in, late_h, late_m, cost, symmetric, greedy, (window, cands, it_people, aside, order))


def _on_call_seen(ctx: BuildContext, sh: list[tuple[int, int]], supply: Supply, bases: list[str]) -> OnCall | None:
    """The on-call rota for the floor's relaxation: who could stand by in each shift at any base."""
    tp = ctx.instance.policy.tracing
    if not tp.on_call_teams:
        return None
    eligible = [{r: {p.id for t in bases for p in supply.people(block(shift, t, r))} for r in ROLES}
                for shift in sh]
    shortest = min(b - a for a, b in sh)  # (a person's shifts a day, at most: never too few for the bound)
    blocks = {p.id: max(1, p.hours_per_day * 60 // shortest) for p in ctx.instance.staff}
    return OnCall(tp.on_call_teams, [tp.on_call_gap_weight * ((b - a) // 60) for a, b in sh], eligible, blocks)


def _greedy(ctx: BuildContext, cases, work, window, cands, sh, relaxed: Relaxation | None, supply: Supply,
            bases: list[str]) -> tuple[GreedyPlan, dict, set[str], list[float] | None]:
    """The greedy schedule, leaving people for the on-call rota and within each district's IT;
    and the order it took the cases in (None: its own rule). Also tried in the order of the
    relaxation's starts, and the plan with fewer hours late kept: on the demo county 726 hours
    against 824 by the greedy's own rule, which the critical tier then started from."""
    inst = ctx.instance
    aside = set_aside_for_on_call(inst, cands, bases, sh,
                                  lambda s, t, role: supply.people(block(sh[s], t, role))) \
        if inst.policy.tracing.on_call_teams else set()
    districts = {inst.by_id("townships")[c.township].district for c in cases}
    it_people = {}
    for d in sorted(districts):
        blocks = [block(s, it_hub(inst, d), "it") for s in sh]
        ok: dict[str, set[int]] = defaultdict(set)
        for k, b in enumerate(blocks):
            for p in supply.people(b):
                ok[p.id].add(k)
        it_people[d] = [(pid, frozenset(ks)) for pid, ks in sorted(ok.items())]
    plans = [(greedy_schedule(inst, cases, work, window, cands, sh, it_people, aside, priority=order), order)
             for order in [None] + ([relaxed.start] if relaxed is not None else [])]
    plan, order = min(plans, key=lambda po: po[0].late_hours(inst, cases))
    return plan, it_people, aside, order


def _add_people(ctx: BuildContext, cases, work, start, cands: dict[str, list[Candidate]], assign
                ) -> tuple[dict[str, PersonVars], list[list[PersonVars]]]:
    """Hard, per investigator: no two cases at once, one duty township a day, the duty span
    (first start to last end) plus travel both ways within the hours per day, no start before
    the minimum rest has passed; the pool counts the person busy for the day."""
    model, pool = ctx.model, ctx.pool
    people: dict[str, PersonVars] = {}
    for role in ROLES:
        for cand in cands[role]:
            p = cand.person
            pv = people.get(p.id)
            if pv is None:
                earliest = min(d.earliest for d in cand.duty.values())
                pv = people[p.id] = PersonVars(
                    p, [], {}, {}, model.new_int_var(earliest, DAY_END, f"duty_start[{p.id}]"),
                    model.new_int_var(earliest, DAY_END, f"duty_end[{p.id}]"))
            pv.roles.append(role)
            pv.duty.update(cand.duty)
    for (role, table) in assign.items():
        for (i, pid), x in table.items():
            people[pid].cases.append((i, role, x))
    for pid, pv in sorted(people.items()):
        if not pv.cases:
            continue
        by_town: dict[str, list] = defaultdict(list)
        intervals = []
        for i, role, x in pv.cases:
            by_town[cases[i].township].append(x)
            intervals.append(model.new_optional_fixed_size_interval_var(
                start[i], work[i], x, f"trace[{cases[i].id},{pid},{role}]"))
            model.add(pv.span_start <= start[i]).only_enforce_if(x)
            model.add(pv.span_end >= start[i] + work[i]).only_enforce_if(x)
        if len(intervals) > 1:
            model.add_no_overlap(intervals)
        for t, xs in sorted(by_town.items()):
            b = pv.base[t] = model.new_bool_var(f"based[{pid},{t}]")
            for x in xs:
                model.add_implication(x, b)
            model.add(b <= sum(xs))
        model.add_at_most_one(pv.base.values())
        busy = pool.person_busy(pid, 0)
        model.add(busy == sum(pv.base.values()))
        travel_both = sum(2 * pv.duty[t].travel * b for t, b in pv.base.items())
        ctx.enforce(model.add(pv.span_end - pv.span_start + travel_both <= pv.person.hours_per_day * 60),
                    lambda pv=pv: (f"tracing.duty_hours {pv.person.id}",
                                   [f"{ctx.where('staff', pv.person.id)}.hours_per_day = {pv.person.hours_per_day}"]))
        model.add(pv.span_end >= pv.span_start)
    return people, _break_symmetry(ctx, people, work)


def _break_symmetry(ctx: BuildContext, people: dict[str, PersonVars], work: list[int]) -> list[list[PersonVars]]:
    """Interchangeable people (one pool group, the same candidate cases) are used in id order,
    the busiest first. Returns those groups, for the warm start. A person a published plan or a
    pin names is left out: the stability tier and the pins tell them apart from their twins, so
    ordering them could forbid keeping the published team (E2 on a case while E1 is idle)."""
    named = {str(val) for key, val in ctx.published.items() if key[0] == "case" and val}
    by_group: dict[tuple, list[PersonVars]] = defaultdict(list)
    for g in ctx.pool.groups:
        for p in g.members:
            pv = people.get(p.id)
            if pv is not None and pv.cases and p.id not in named:
                key = (g.key, tuple(pv.roles), tuple(sorted(pv.duty)), tuple(sorted((i, r) for i, r, _ in pv.cases)))
                by_group[key].append(pv)
    groups = [pvs for pvs in by_group.values() if len(pvs) > 1]
    for pvs in groups:
        loads = [sum(work[i] * x for i, _, x in pv.cases) for pv in pvs]
        for a, b in zip(loads, loads[1:]):
            ctx.model.add(a >= b)
    return groups


def _add_lateness(ctx: BuildContext, cases, work, start) -> tuple[dict, dict]:
    """Soft (critical): hours late per deadline, rounded up; (routine) the same in minutes, and
    the minutes each case waits for its team. A case not traced today counts as started at 24:00."""
    inst, model = ctx.instance, ctx.model
    offset = core_info_offset_min(inst)
    hours, minutes = {}, {}
    for i, c in enumerate(cases):
        for kind, done, due in (("core", start[i] + offset, core_due_min(inst, c)),
                                ("report", start[i] + work[i], report_due_min(inst, c))):
            worst = max(0, DAY_END + (offset if kind == "core" else work[i]) - due)
            m = minutes[i, kind] = model.new_int_var(0, worst, f"late_min[{c.id},{kind}]")
            h = hours[i, kind] = model.new_int_var(0, -(-worst // 60), f"late_h[{c.id},{kind}]")
            model.add_max_equality(m, [done - due, 0])  # exact, so the reported terms are the plan's
            model.add(60 * h >= m)
            model.add(60 * h <= m + 59)
    ctx.add_term("critical", "tracing.late_hours", sum(hours.values()))
    ctx.add_term("routine", "tracing.late_minutes", sum(minutes.values()))
    # Tracing is urgent even when on time: no team waits without need.
    ctx.add_term("routine", "tracing.wait_minutes", sum(start[i] - earliest_start_min(c) for i, c in enumerate(cases)))
    return hours, minutes


def _add_costs(ctx: BuildContext, people: dict[str, PersonVars]) -> dict[str, cp_model.IntVar]:
    """Soft (cost): lending investigators outside their home township; their duty hours."""
    model = ctx.model
    pol = ctx.instance.policy
    lent, hours = [], {}
    for pid, pv in sorted(people.items()):
        if not pv.base:
            continue
        lent += [b for t, b in pv.base.items() if t != pv.person.home_township]
        minutes = pv.span_end - pv.span_start + sum(2 * pv.duty[t].travel * b for t, b in pv.base.items())
        top = pol.staff.hour_cost * pv.person.hours_per_day
        c = hours[pid] = model.new_int_var(0, top, f"tracing_cost[{pid}]")
        model.add(60 * c >= pol.staff.hour_cost * minutes)
    ctx.add_term("cost", "tracing.lending", pol.tracing.lending_penalty * sum(lent))
    ctx.add_term("cost", "tracing.staff_hours", sum(hours.values()))
    return hours


from optimizer.tracing_extract import extract  # noqa: E402  (the module's second half)
from optimizer.tracing_warm import warm_start  # noqa: E402

__all__ = ["TracingVars", "build", "extract", "warm_start"]
