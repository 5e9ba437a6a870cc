"""Warm start of the tracing module: every tracing variable hinted from the greedy schedule,
and the counted IT and on-call people taken from the pool's shared ledger."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import TYPE_CHECKING

from optimizer.tracing_greedy import shaken_schedule
from optimizer.tracing_rota import block
from optimizer.tracing_rules import DAY_END, core_due_min, core_info_offset_min, report_due_min

if TYPE_CHECKING:
    from optimizer.context import BuildContext
    from optimizer.tracing import TracingVars

SHAKE_MIN_WARM_S = 1.5  # the warm starts' seconds (5 % of the limit) from which the greedy is shaken
SHAKE_MAX_S = 1.5  # and its seconds at most: the city's 40 tries took 4.5 s for 9 hours (5,321 -> 5,312),
# the demo's 1.2 s for 39 (833 -> 794)


def warm_start(ctx: "BuildContext", v: "TracingVars") -> None:
    inst, model = ctx.instance, ctx.model
    ledger = ctx.pool.ledger()
    _replan(ctx, v, ledger)
    who = _who(v)  # (case, role) -> person
    start = {i: v.greedy.start.get(i, DAY_END) for i in range(len(v.cases))}
    traced = {i for i, _ in who}
    for role, table in v.assign.items():
        for (i, pid), x in table.items():
            model.add_hint(x, int(who.get((i, role)) == pid))
    for i, s in enumerate(v.start):
        model.add_hint(s, start[i])
        model.add_hint(v.untraced[i], int(i not in traced))
        model.add_hint(v.untraced_police[i], int(i not in traced))
    mine: dict[str, list[int]] = defaultdict(list)
    for (i, _), pid in who.items():
        mine[pid].append(i)
    rate = inst.policy.staff.hour_cost
    used: list[str] = []
    for pid, pv in v.people.items():
        done = mine.get(pid, [])
        town = v.cases[done[0]].township if done else None
        for t, b in pv.base.items():
            model.add_hint(b, int(t == town))
        first = min((start[i] for i in done), default=pv.span_start.proto.domain[0])
        last = max((start[i] + v.work[i] for i in done), default=first)
        model.add_hint(pv.span_start, first)
        model.add_hint(pv.span_end, last)
        if pid in v.cost:
            minutes = last - first + (2 * pv.duty[town].travel if town else 0)
            model.add_hint(v.cost[pid], -(-rate * minutes // 60))
        busy = ctx.pool.person_busy(pid, 0) if pv.base else None
        if busy is not None:
            model.add_hint(busy, int(bool(done)))
            if done:
                used.append(pid)
    _take_people(ctx, ledger, used)
    _hint_lateness(ctx, v, start)
    _hint_it(ctx, v, start, traced, ledger)
    _hint_on_call(ctx, v, ledger)


def _replan(ctx, v: "TracingVars", ledger) -> None:
    """Redo the greedy schedule within what the modules warm-started before this one left in
    the pool's ledger (e.g. sampling took doctors who are also epidemiologists), so that the
    joint hint stays feasible."""
    room: dict[str, list[int]] = {}
    for p in ctx.instance.staff:
        cell = ledger.group_left(p.id, 0)
        if cell is not None:
            room[p.id] = cell
    window, cands, it_people, aside, order = v.greedy_inputs
    # shaken orders only where the warm starts have time to spare (runs of 30 s and more): in the
    # what-if sweep's 12.6-s runs even 15 tries (0.5 s) cost the first tier its CP-SAT slice
    shake_s = min(ctx.warm_seconds, SHAKE_MAX_S) if ctx.warm_seconds >= SHAKE_MIN_WARM_S else 0.0
    v.greedy, _ = shaken_schedule(ctx.instance, v.cases, v.work, window, cands, v.shifts, it_people, aside, room,
                                  order, ctx.seed, time.perf_counter() + shake_s)


def _who(v: "TracingVars") -> dict[tuple[int, str], str]:
    """The greedy's (case, role) -> person, with interchangeable people's days handed out in id
    order, busiest first (the order the symmetry-breaking rule asks for)."""
    who = {(i, role): pid for i, roles in v.greedy.team.items() for role, pid in roles.items()}
    for group in v.symmetric:
        ids = [pv.person.id for pv in group]
        days = [[key for key, pid in who.items() if pid == gid] for gid in ids]
        days.sort(key=lambda keys: -sum(v.work[i] for i, _ in keys))
        for gid, keys in zip(ids, days):
            for key in keys:
                who[key] = gid
    return who


def _upper(var) -> int:
    d = var.proto.domain  # (this repeated field does not take negative indexes)
    return d[len(d) - 1]


def _take_people(ctx, ledger, people: list[str]) -> None:
    """Count the named people on cases as used in the ledger, so the counted blocks' hints
    leave them be."""
    for pid in sorted(set(people)):
        ledger.take_person(pid, 0)


def _hint_lateness(ctx, v: "TracingVars", start: dict[int, int]) -> None:
    inst, model = ctx.instance, ctx.model
    offset = core_info_offset_min(inst)
    for i, c in enumerate(v.cases):
        for kind, done, due in (("core", start[i] + offset, core_due_min(inst, c)),
                                ("report", start[i] + v.work[i], report_due_min(inst, c))):
            late = max(0, done - due)
            model.add_hint(v.late_minutes[i, kind], late)
            model.add_hint(v.late_hours[i, kind], -(-late // 60))


def _hint_it(ctx, v: "TracingVars", start, traced, ledger) -> None:
    inst, model = ctx.instance, ctx.model
    per = inst.policy.tracing.it_cases_per_shift
    count: dict[tuple[str, int], int] = defaultdict(int)
    for (i, s), y in v.starts_in.items():
        a, b = v.shifts[s]
        on = i in traced and a <= start[i] < b
        model.add_hint(y, int(on))
        if on:
            count[inst.by_id("townships")[v.cases[i].township].district, s] += 1
    for (d, s), n in v.it.items():
        need = -(-count[d, s] // per)
        model.add_hint(n, need)
        if need:
            ledger.take(block(v.shifts[s], v.it_hub[d], "it"), need)


def _hint_on_call(ctx, v: "TracingVars", ledger) -> None:
    model = ctx.model
    need = ctx.instance.policy.tracing.on_call_teams
    # The shift with the fewest people to spare goes first (the night: rest rules out many).
    spare = {s: min((ledger.available(block(v.shifts[s], t, r)) for t, s2 in v.on_call if s2 == s
                     for r in ("epidemiologist", "police")), default=0) for s in range(len(v.shifts))}
    for s in sorted(range(len(v.on_call_gap)), key=lambda s: (spare.get(s, 0), s)):
        gap = v.on_call_gap[s]
        teams = 0
        for (t, s2), n in sorted(v.on_call.items()):
            if s2 != s:
                continue
            here = 0
            while teams < need and here < _upper(n):
                epi = ledger.take(block(v.shifts[s], t, "epidemiologist"), 1)
                pol = ledger.take(block(v.shifts[s], t, "police"), 1) if epi is not None else None
                if pol is None:
                    if epi:
                        ledger.give_back(epi)
                    break
                here += 1
                teams += 1
            model.add_hint(n, here)
        model.add_hint(gap, need - teams)
