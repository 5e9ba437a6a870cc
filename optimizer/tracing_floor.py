"""A lower bound on tracing's critical hours late, from a time-indexed relaxation solved by HiGHS.

Why: the shared model's own LP sees tracing as almost free. CP-SAT linearises the intervals
weakly (its bound on the demo county is 548 hours late; the best plans have ~730), and the LP
floor (optimizer/lp_floor.py) leaves intervals out, so it puts tracing at 0. The lower tiers pay
for it: the routine LP locked at the critical plan's value spends the hours tracing "saves" on
food-floor shipments, and each of them buys ~280 person-days of days-of-cover (2026-11-29, demo
county: with this floor as a row the routine LP rose from 4.93 M to 5.05 M).

The relaxation: each case starts in one slot of `STEP` minutes (or is left to 24:00, as the
model counts an untraced case), at the cost of the lateness of the slot's earliest start; at
every slot, per role, the cases certainly in progress over the whole slot are no more than the
people of that role who could be on duty by then, in all and in each case township. Every plan
gives a point of it (a person works one case at a time, in one township a day, not before their
earliest start), so its LP optimum is a lower bound on `tracing.late_hours`. Staff shifts,
spans, travel between cases and IT support are left out, which only weakens it. On the demo
county its LP gives 633 in 0.3 s with its build (the integer optimum of the relaxation is the
same), the city 2,619 in 2 s, tracing-stress 2,740 in 3.2-4.5 s.

Then, from its basis: with the on-call rota (people on call trace nothing that day), a bound of
hours late + on-call gap (demo 654, city 2,644, stress 2,950); and with the routine terms as the
costs, a bound of minutes late + minutes waited (demo 43,660), for the LP floors.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np

from models.instance import Instance, TracingCase
from optimizer.tracing_rules import (
    DAY_END,
    ROLES,
    can_fill,
    core_due_min,
    core_info_offset_min,
    duty_limits,
    earliest_start_min,
    lateness,
    report_due_min,
    workload_min,
)

log = logging.getLogger(__name__)
STEP = 10  # minutes a slot; 15 gave 630 on the demo, 30 gave 604
TOLERANCE = 1e-6  # relative: HiGHS's optimum may sit this far above the exact LP value


@dataclass(frozen=True)
class OnCall:
    """The on-call rota as the relaxation sees it. A person on call is in a pool block that day,
    so they trace no case at all; a shift short costs `weight[s]` per team."""

    need: int  # teams per shift
    weight: list[int]  # per shift: critical units per team short (gap weight × hours)
    eligible: list[dict[str, set[str]]]  # per shift, role -> who could stand by (any base)
    blocks: dict[str, int]  # person -> on-call shifts they could take in a day (hours per day)


@dataclass(frozen=True)
class Relaxation:
    floor: int  # hours late, at least, summed over the cases, in every plan
    start: list[float]  # per case, the relaxation's start (minutes; 24:00 for a case left): an order to try
    with_rota: int | None = None  # hours late plus the on-call gap, at least (None: not solved)
    routine: int | None = None  # minutes late plus minutes waited, at least (None: not solved)


class _LP:
    """The relaxation's columns and rows, handed to HiGHS in one go, then added to in place."""

    def __init__(self):
        self.cost: list[float] = []
        self.routine: list[float] = []  # a case column's minutes late and waited (0 for others)
        self.upper: list[float] = []
        self.minute: list[int] = []  # the start a case column stands for (0 for others)
        self.rows: list[tuple[list[int], float, float]] = []  # (columns, lower, upper), coefficients 1

    def column(self, cost: float, upper: float = 1.0, minute: int = 0, routine: float = 0.0) -> int:
        self.cost.append(cost)
        self.routine.append(routine)
        self.upper.append(upper)
        self.minute.append(minute)
        return len(self.cost) - 1

    def load(self, h: highspy.Highs, cols: int, rows: int) -> None:
        """Columns from `cols` on and rows from `rows` on into `h` (HiGHS keeps its basis)."""
        n = len(self.cost) - cols
        if n:
            h.addCols(n, np.array(self.cost[cols:]), np.zeros(n), np.array(self.upper[cols:]), 0,
                      np.array([], dtype=np.int32), np.array([], dtype=np.int32), np.array([]))
        new = self.rows[rows:]
        first = np.cumsum([0] + [len(c) for c, _, _ in new[:-1]]).astype(np.int32)
        index = np.array([j for c, _, _ in new for j in c], dtype=np.int32)
        h.addRows(len(new), np.array([lo for _, lo, _ in new]), np.array([hi for _, _, hi in new]), len(index),
                  first, index, np.ones(len(index)))


def relax(inst: Instance, cases: list[TracingCase], seconds: float, on_call: OnCall | None = None
          ) -> Relaxation | None:
    """The relaxation solved, or None when HiGHS does not solve it to optimality within
    `seconds`. With `on_call`, solved again from its basis with the rota in it: each shift
    either has its teams, taken from the people who could stand by (who then trace nothing that
    day), or pays its weight per team short; that optimum bounds the hours late plus the on-call
    gap (`with_rota`). Both bounds are kept: the second alone lets an LP trade hours late for a
    fractional on-call gap at no cost to the critical tier, and the routine minutes late with
    them (demo county: the routine LP floor fell by 30,000). Last, from the same basis, the
    relaxation minimising the routine terms (`routine`: minutes late and waited)."""
    if not cases or seconds <= 0:
        return None
    t0 = time.perf_counter()
    slots = DAY_END // STEP
    towns = sorted({c.township for c in cases})
    scopes = [None, *towns]
    # people on duty by the start of each slot, per role, in all and per township
    ready = {(r, t): np.zeros(slots, dtype=int) for r in ROLES for t in scopes}
    # people who could stand by, grouped alike: (role, first slot counted per scope, shifts, blocks) -> how many
    standby: dict[tuple, int] = defaultdict(int)
    for p in inst.staff:
        roles = [r for r in ROLES if can_fill(inst, p, r)]
        limits = {t: d for t in towns if (d := duty_limits(inst, p, t)) is not None} if roles else {}
        for r in roles:
            first = {}
            for t in ([None, *limits] if limits else []):
                e = min(d.earliest for d in limits.values()) if t is None else limits[t].earliest
                first[t] = max(0, math.ceil((e - STEP + 1) / STEP))  # on duty somewhere in the slot
                ready[r, t][first[t]:] += 1
            shifts = frozenset(k for k, who in enumerate(on_call.eligible) if p.id in who.get(r, ())) \
                if on_call is not None else frozenset()
            if shifts:
                standby[r, tuple(first.get(t) for t in scopes), shifts, on_call.blocks.get(p.id, 1)] += 1

    lp = _LP()
    busy: dict[tuple[str, int], list[int]] = defaultdict(list)  # (township, slot) -> columns in progress
    starts: list[list[int]] = []
    for c in cases:
        work, lo = workload_min(inst, c), earliest_start_min(c)
        # not traced today: started at 24:00
        one = [lp.column(sum(lateness(inst, c, None)), minute=DAY_END, routine=_minutes(inst, c, DAY_END))]
        for k in range(slots):
            if k * STEP + STEP <= lo or k * STEP > DAY_END - work:
                continue  # no start of this slot is allowed
            t = max(k * STEP, lo)
            j = lp.column(sum(lateness(inst, c, t)), minute=t, routine=_minutes(inst, c, t))
            one.append(j)
            # certainly in progress over slot u, wherever in slot k it starts
            for u in range(k + 1, (k * STEP + work) // STEP):
                busy[c.township, u].append(j)
        starts.append(one)
        lp.rows.append((one, 1.0, 1.0))
    in_progress = {}
    for u in range(slots):
        every = [j for t in towns for j in busy.get((t, u), [])]
        for i, t in enumerate(scopes):
            if cols := (every if t is None else busy.get((t, u), [])):
                in_progress[i, u] = cols
    for r in ROLES:
        for (i, u), cols in in_progress.items():
            if len(cols) > ready[r, scopes[i]][u]:
                lp.rows.append((cols, -highspy.kHighsInf, float(ready[r, scopes[i]][u])))

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # (presolve off was faster, 0.1 s against 0.33 s on the demo, but its optimum, equal in value,
    # put the starts in another order: the demo's greedy came out at 809 hours late, not 757)
    h.setOptionValue("time_limit", h.getRunTime() + seconds)
    lp.load(h, 0, 0)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        log.debug("tracing floor: %s in %.2f s", h.modelStatusToString(h.getModelStatus()), time.perf_counter() - t0)
        return None
    floor = _rounded(h)
    x = np.asarray(h.getSolution().col_value) * np.asarray(lp.minute)
    order = [float(x[cols].sum()) for cols in starts]
    log.debug("tracing floor %d (%d columns, %d rows) in %.2f s", floor, len(lp.cost), len(lp.rows),
              time.perf_counter() - t0)
    if on_call is None or not standby:
        return Relaxation(floor, order, routine=_routine(h, lp, t0))

    # the rota: a gap per shift, and z per stand-by group and shift (people taken off tracing)
    cols, rows = len(lp.cost), len(lp.rows)
    gap = [lp.column(float(w), float(on_call.need)) for w in on_call.weight]
    taken: dict[tuple, dict[int, int]] = {}  # stand-by group -> shift -> its z column
    for key, n in standby.items():
        _, _, shifts, blocks = key
        taken[key] = {k: lp.column(0.0, float(n)) for k in sorted(shifts)}
        lp.rows.append((list(taken[key].values()), -highspy.kHighsInf, float(n * blocks)))
    for r in ROLES:
        for k in range(len(on_call.weight)):
            lp.rows.append(([gap[k]] + [zs[k] for key, zs in taken.items() if key[0] == r and k in zs],
                            float(on_call.need), highspy.kHighsInf))
        for (i, u), cases_on in in_progress.items():
            counted = [key for key in taken if key[0] == r and key[1][i] is not None and key[1][i] <= u]
            if counted and len(cases_on) > ready[r, scopes[i]][u] - sum(standby[key] for key in counted):
                lp.rows.append((cases_on + [z for key in counted for z in taken[key].values()], -highspy.kHighsInf,
                                float(ready[r, scopes[i]][u])))
    lp.load(h, cols, rows)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        log.debug("tracing floor with the rota: %s in %.2f s", h.modelStatusToString(h.getModelStatus()),
                  time.perf_counter() - t0)
        return Relaxation(floor, order)
    with_rota = _rounded(h)
    log.debug("tracing floor with the on-call rota %d (%d columns, %d rows) in %.2f s", with_rota, len(lp.cost),
              len(lp.rows), time.perf_counter() - t0)
    return Relaxation(floor, order, with_rota, _routine(h, lp, t0))


def _routine(h: highspy.Highs, lp: _LP, t0: float) -> int | None:
    """The same relaxation minimising the routine terms, from the last optimum's basis (on call
    costs nothing there, so the rota, if in, binds nothing): a floor of minutes late + minutes
    waited, or None if HiGHS does not finish within the time left."""
    h.changeColsCost(len(lp.routine), np.arange(len(lp.routine), dtype=np.int32), np.array(lp.routine))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        log.debug("tracing routine floor: %s in %.2f s", h.modelStatusToString(h.getModelStatus()),
                  time.perf_counter() - t0)
        return None
    floor = _rounded(h)
    log.debug("tracing routine floor %d in %.2f s", floor, time.perf_counter() - t0)
    return floor


def _minutes(inst: Instance, case: TracingCase, start: int) -> int:
    """The routine terms of a case started at `start` (24:00: not traced today): minutes late on
    each deadline and minutes waited since the report (or 00:00), as the model counts them."""
    return (max(0, start + core_info_offset_min(inst) - core_due_min(inst, case))
            + max(0, start + workload_min(inst, case) - report_due_min(inst, case))
            + start - earliest_start_min(case))


def _rounded(h: highspy.Highs) -> int:
    """The LP optimum less HiGHS's tolerance, rounded up: the integer plans' lower bound."""
    value = h.getInfo().objective_function_value
    return math.ceil(value - TOLERANCE * max(1.0, abs(value)))
