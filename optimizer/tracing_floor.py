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
spans, travel between cases, IT support and the on-call rota are left out, which only weakens it.
On the demo county its LP gives 633 in 0.3 s with its build (the integer optimum of the
relaxation is the same), the city 2,619 in 2 s, tracing-stress 2,740 in 3.2-4.5 s.
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
    duty_limits,
    earliest_start_min,
    lateness,
    workload_min,
)

log = logging.getLogger(__name__)
STEP = 10  # minutes a slot; 15 gave 630 on the demo, 30 gave 604
TOLERANCE = 1e-6  # relative: HiGHS's optimum may sit this far above the exact LP value


@dataclass(frozen=True)
class Relaxation:
    floor: int  # hours late, at least, summed over the cases, in every plan
    start: list[float]  # per case, the relaxation's start (minutes; 24:00 for a case left): an order to try


def relax(inst: Instance, cases: list[TracingCase], seconds: float) -> Relaxation | None:
    """The relaxation solved, or None when HiGHS does not solve it to optimality within
    `seconds`."""
    if not cases or seconds <= 0:
        return None
    t0 = time.perf_counter()
    slots = DAY_END // STEP
    towns = sorted({c.township for c in cases})
    # people on duty by the start of each slot, per role, in all and per township
    ready = {(r, t): np.zeros(slots, dtype=int) for r in ROLES for t in [None, *towns]}
    for p in inst.staff:
        roles = [r for r in ROLES if can_fill(inst, p, r)]
        limits = {t: d for t in towns if (d := duty_limits(inst, p, t)) is not None} if roles else {}
        if not limits:
            continue
        for r in roles:
            for t in [None, *limits]:
                e = min(d.earliest for d in limits.values()) if t is None else limits[t].earliest
                ready[r, t][max(0, math.ceil((e - STEP + 1) / STEP)):] += 1  # on duty somewhere in the slot

    cost: list[float] = []
    minute: list[int] = []  # the start each column stands for
    rows: list[tuple[list[int], float]] = []  # (columns, upper bound)
    busy: dict[tuple[str, int], list[int]] = defaultdict(list)  # (township, slot) -> columns in progress
    for c in cases:
        work, lo = workload_min(inst, c), earliest_start_min(c)
        one = [len(cost)]
        cost.append(sum(lateness(inst, c, None)))  # not traced today: counted as started at 24:00
        minute.append(DAY_END)
        for k in range(slots):
            if k * STEP + STEP <= lo or k * STEP > DAY_END - work:
                continue  # no start of this slot is allowed
            j = len(cost)
            one.append(j)
            cost.append(sum(lateness(inst, c, max(k * STEP, lo))))
            minute.append(max(k * STEP, lo))
            # certainly in progress over slot u, wherever in slot k it starts
            for u in range(k + 1, (k * STEP + work) // STEP):
                busy[c.township, u].append(j)
        rows.append((one, 1.0))
    n_exact = len(rows)
    in_all = [[j for t in towns for j in busy.get((t, u), [])] for u in range(slots)]
    for r in ROLES:
        for u, every in enumerate(in_all):
            if every and len(every) > ready[r, None][u]:
                rows.append((every, float(ready[r, None][u])))
            for t in towns:
                cols = busy.get((t, u), [])
                if cols and len(cols) > ready[r, t][u]:
                    rows.append((cols, float(ready[r, t][u])))

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # (presolve off was faster, 0.1 s against 0.33 s on the demo, but its optimum, equal in value,
    # put the starts in another order: the demo's greedy came out at 809 hours late, not 757)
    h.setOptionValue("time_limit", h.getRunTime() + seconds)
    n = len(cost)
    h.addCols(n, np.array(cost), np.zeros(n), np.ones(n), 0, np.array([], dtype=np.int32),
              np.array([], dtype=np.int32), np.array([]))
    starts = np.cumsum([0] + [len(cols) for cols, _ in rows[:-1]])
    index = np.array([j for cols, _ in rows for j in cols], dtype=np.int32)
    lower = np.array([1.0] * n_exact + [-highspy.kHighsInf] * (len(rows) - n_exact))
    h.addRows(len(rows), lower, np.array([most for _, most in rows]), len(index), starts.astype(np.int32), index,
              np.ones(len(index)))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        log.debug("tracing floor: %s in %.2f s", h.modelStatusToString(h.getModelStatus()), time.perf_counter() - t0)
        return None
    value = h.getInfo().objective_function_value
    floor = math.ceil(value - TOLERANCE * max(1.0, abs(value)))
    log.debug("tracing floor %d (%d columns, %d rows) in %.2f s", floor, n, len(rows), time.perf_counter() - t0)
    x = np.asarray(h.getSolution().col_value) * np.asarray(minute)
    return Relaxation(floor, [float(x[cols].sum()) for cols, _ in rows[:n_exact]])
