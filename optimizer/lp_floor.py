"""A tier's floor from the LP relaxation of the shared model, solved by HiGHS.

CP-SAT's bound on a tier comes from the LP it builds during its slice; a lower tier's slice on
the demo county is 2-3 s, and whether its LP is done by then decides the reported gap (three
runs of the same code: routine bounds of 1.98 M, 4.50 M and 4.97 M against plans of ~5.3 M).
HiGHS solves the same relaxation from scratch in 0.2-0.5 s a tier (demo, 2026-11-29:
critical 1,445,404 in 0.2 s, routine 5.05 M in 0.4 s). The rows HiGHS cannot read (intervals,
no-overlap, max) are left out, which relaxes the model further, so the value stays a valid lower
bound of the tier: every plan keeps the rows kept, and the tiers above are locked as rows too.

Built once, after every rule is in the model; each tier adds its lock as a row for the next.
Skipped on models above `MAX_VARIABLES`: the city's routine LP did not finish in 58 s.
"""

from __future__ import annotations

import logging
import math
import time

import highspy
import numpy as np
from ortools.sat import cp_model_pb2
from ortools.sat.python import cp_model

from optimizer.cpsat_mip import LINEAR, objective_of, proto_of, to_highs

log = logging.getLogger(__name__)
MAX_VARIABLES = 50_000
TOLERANCE = 1e-6  # relative: HiGHS's optimum may sit this far above the exact LP value


class LinearFloor:
    """The shared model's linear rows as one HiGHS LP; `bound` re-solves it for a tier."""

    def __init__(self, model: cp_model.CpModel):
        t0 = time.perf_counter()
        proto = proto_of(model)
        linear = cp_model_pb2.CpModelProto()
        linear.variables.extend(proto.variables)
        linear.constraints.extend(c for c in proto.constraints if c.WhichOneof("constraint") in LINEAR)
        self.n = len(proto.variables)
        self.highs = to_highs(linear, [], integral=False)
        log.debug("LP floor: %d of %d rows kept in %.1f s", len(linear.constraints), len(proto.constraints),
                  time.perf_counter() - t0)

    @classmethod
    def for_model(cls, model: cp_model.CpModel, rows=()) -> LinearFloor | None:
        """The floor of a model not above `MAX_VARIABLES`, with `rows` ((expression, lower bound)
        that every plan keeps: `BuildContext.floor_rows`) added."""
        if len(model.proto.variables) > MAX_VARIABLES:
            return None
        floor = cls(model)
        for expr, lower in rows:
            terms, offset = objective_of(model, expr)
            cols = np.array([j for j, _ in terms], dtype=np.int32)
            floor.highs.addRow(lower - offset, highspy.kHighsInf, len(cols), cols, np.array([a for _, a in terms]))
        return floor

    def bound(self, model: cp_model.CpModel, expr, seconds: float) -> int | None:
        """A lower bound of `expr` (integer valued) over every plan, or None when the LP is not
        solved to optimality within `seconds`. Leaves the model's objective set to `expr`."""
        return self.solve(self.costs(model, expr), seconds)

    def costs(self, model: cp_model.CpModel, expr) -> tuple[np.ndarray, float]:
        """`expr` as the LP's column costs and constant (reading it sets the model's objective:
        do it in the thread that owns the model, and `solve` in any other)."""
        terms, offset = objective_of(model, expr)
        cost = np.zeros(self.n)
        for j, a in terms:
            cost[j] += a
        return cost, offset

    def solve(self, costs: tuple[np.ndarray, float], seconds: float) -> int | None:
        """`bound` for costs read already; touches the LP only, never the model."""
        if seconds < 0.05:
            return None
        t0 = time.perf_counter()
        cost, offset = costs
        h = self.highs
        h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), cost)
        # from scratch: with the demo's warm-start cuts in the model, the routine LP takes 0.5 s so
        # and 1.6 s from the critical LP's basis, the cost LP 1.1 s and 1.5-1.8 s from the routine's
        h.clearSolver()
        h.setOptionValue("time_limit", h.getRunTime() + seconds)  # HiGHS's clock runs on over its solves
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            log.debug("LP floor: %s in %.1f s", h.modelStatusToString(h.getModelStatus()), time.perf_counter() - t0)
            return None
        value = h.getInfo().objective_function_value + offset
        floor = math.ceil(value - TOLERANCE * max(1.0, abs(value)))
        log.debug("LP floor %d in %.1f s", floor, time.perf_counter() - t0)
        return floor

    def lock(self, model: cp_model.CpModel, expr, most: int) -> None:
        """The row `expr <= most` (a tier locked for the tiers below)."""
        terms, offset = objective_of(model, expr)
        cols = np.array([j for j, _ in terms], dtype=np.int32)
        self.highs.addRow(-highspy.kHighsInf, most - offset, len(cols), cols, np.array([a for _, a in terms]))
