"""A module's own CP-SAT model, read as a MIP and solved by HiGHS (isolation's and supply's
warm starts).

Such a model is linear apart from a few implications, so its CP-SAT proto translates
one to one into a mixed-integer program: every CP-SAT variable a column (its domain's hull),
every linear constraint a row, a literal clause `l1 ∨ l2 ∨ …` (with enforcement) the row
`Σ lits ≥ 1 − Σ (1 − enforcement)`, a linear constraint with enforcement a big-M row from the
variables' bounds. HiGHS's dual simplex and branch-and-cut then give, within a second or two
on the city case, what CP-SAT's search reaches only slowly: a near-optimal plan of the module
and a lower bound of its objective (an LP or MIP dual bound, valid for the shared model too,
since other modules can only take pool people away).
"""

from __future__ import annotations

import logging
import math
import os
import sys
import tempfile
from dataclasses import dataclass

import highspy
import numpy as np
from ortools.sat import cp_model_pb2
from ortools.sat.python import cp_model

log = logging.getLogger(__name__)
INF = highspy.kHighsInf


@dataclass
class MipResult:
    """A HiGHS solve of a CP-SAT proto: values by CP-SAT variable index, objective, dual bound."""

    status: str
    values: list[int] | None  # integral solution, one per CP-SAT variable (None if none found)
    objective: float | None
    bound: float  # a valid lower bound of the minimised objective
    seconds: float


def _lit(lit: int) -> tuple[int, float, float]:
    """(column, coefficient, constant) of a literal: x or 1 − x."""
    return (lit, 1.0, 0.0) if lit >= 0 else (-lit - 1, -1.0, 1.0)


class _Rows:
    def __init__(self) -> None:
        self.starts: list[int] = []
        self.index: list[int] = []
        self.value: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, cols: list[int], coeffs: list[float], lo: float, hi: float) -> None:
        self.starts.append(len(self.index))
        self.index.extend(cols)
        self.value.extend(coeffs)
        self.lower.append(lo)
        self.upper.append(hi)


def _bound(v) -> tuple[float, float]:
    d = list(v.domain)  # the proto wrapper's repeated fields take no negative index
    return float(d[0]), float(d[-1])


LINEAR = ("linear", "bool_and", "bool_or", "at_most_one", "exactly_one")  # the kinds `to_highs` reads


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance with output off. HiGHS prints its banner on stdout while it is created,
    before any option can be set, so stdout is pointed at the null device for that moment
    (the CLI's stdout stays clean for what a planner pipes)."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    h.setOptionValue("output_flag", False)
    return h


def to_highs(proto, objective: list[tuple[int, float]], integral: bool = True) -> highspy.Highs:
    """A HiGHS model of a CP-SAT proto (linear, clause, implication and at-most-one rows only),
    minimising Σ coeff × variable over `objective`; `integral=False` for its LP relaxation."""
    n = len(proto.variables)
    lb = np.empty(n)
    ub = np.empty(n)
    for i, v in enumerate(proto.variables):
        lb[i], ub[i] = _bound(v)
    rows = _Rows()
    for c in proto.constraints:
        enf = list(c.enforcement_literal)
        kind = c.WhichOneof("constraint")
        if kind == "linear":
            lin = c.linear
            cols, coeffs = list(lin.vars), [float(a) for a in lin.coeffs]
            dom = list(lin.domain)
            lo, hi = float(dom[0]), float(dom[-1])
            lo = -INF if lo <= -2**62 else lo
            hi = INF if hi >= 2**62 else hi
            if not enf:
                rows.add(cols, coeffs, lo, hi)
                continue
            # big-M: the row may be violated by its widest swing when an enforcement literal is off
            act_lo = sum(a * (lb[j] if a > 0 else ub[j]) for j, a in zip(cols, coeffs))
            act_hi = sum(a * (ub[j] if a > 0 else lb[j]) for j, a in zip(cols, coeffs))
            for side, limit, slack in (("hi", hi, act_hi - hi), ("lo", lo, lo - act_lo)):
                if math.isinf(limit) or slack <= 0:
                    continue
                # a·x ≤ hi + slack × Σ(1 − e)   resp.   a·x ≥ lo − slack × Σ(1 − e)
                sign = 1.0 if side == "hi" else -1.0
                rc, rv, const = list(cols), [sign * a for a in coeffs], sign * limit + slack * len(enf)
                for e in enf:
                    j, a, k = _lit(e)
                    rc.append(j)
                    rv.append(slack * a)
                    const -= slack * k
                rows.add(rc, rv, -INF, const)
        elif kind in ("bool_or", "bool_and", "at_most_one", "exactly_one"):
            if kind == "bool_and":  # e ⇒ each literal: one row per literal
                groups = [[lit] for lit in c.bool_and.literals]
            elif kind == "bool_or":
                groups = [list(c.bool_or.literals)]
            else:
                groups = [list(getattr(c, kind).literals)]
            for lits in groups:
                if kind in ("at_most_one", "exactly_one"):
                    cols, coeffs, const = [], [], 0.0
                    for lit in lits:
                        j, a, k = _lit(lit)
                        cols.append(j), coeffs.append(a)
                        const += k
                    rows.add(cols, coeffs, (1 - const) if kind == "exactly_one" else -INF, 1 - const)
                    continue
                # Σ lits ≥ 1 − Σ_e (1 − e)   ⇔   Σ lits − Σ e ≥ 1 − |enf|  (with literal constants moved)
                cols, coeffs, const = [], [], 0.0
                for lit in lits:
                    j, a, k = _lit(lit)
                    cols.append(j), coeffs.append(a)
                    const += k
                for e in enf:
                    j, a, k = _lit(e)
                    cols.append(j), coeffs.append(-a)
                    const -= k
                rows.add(cols, coeffs, 1 - len(enf) - const, INF)
        else:
            raise ValueError(f"MIP translation: unsupported constraint {c}")
    h = quiet_highs()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(rows.lower)
    cost = np.zeros(n)
    for j, a in objective:
        cost[j] += a
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lb, ub
    lp.row_lower_, lp.row_upper_ = np.array(rows.lower), np.array(rows.upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(rows.starts + [len(rows.index)], dtype=np.int32)
    lp.a_matrix_.index_ = np.array(rows.index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(rows.value)
    if integral:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h.passModel(lp)
    return h


def proto_of(model: cp_model.CpModel) -> cp_model_pb2.CpModelProto:
    """The model as a protobuf message (read field by field far faster than the solver's wrapper)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.pb")
        model.export_to_file(path)
        with open(path, "rb") as f:
            return cp_model_pb2.CpModelProto.FromString(f.read())


def objective_of(model: cp_model.CpModel, expr) -> tuple[list[tuple[int, float]], float]:
    """(variable index, coefficient) pairs and the constant of a linear expression of the model
    (the model's objective is left set to it)."""
    model.minimize(expr)
    obj = model.proto.objective
    return [(j, float(a)) for j, a in zip(obj.vars, obj.coeffs)], float(obj.offset)


def lp_solve(proto, objectives: list[list[tuple[int, float]]]) -> list[tuple[list[float], float] | None]:
    """The LP relaxation minimised for each objective in turn: optimal values by CP-SAT variable
    index and the optimal value, or None where HiGHS found no optimum. Each solve starts from
    the previous optimal basis (on the city case the critical LP after the weighted one takes
    0.02 s against 3 s from scratch)."""
    h = to_highs(proto, objectives[0] if objectives else [], integral=False)
    n = len(proto.variables)
    out: list[tuple[list[float], float] | None] = []
    for k, objective in enumerate(objectives):
        if k:
            cost = np.zeros(n)
            for j, a in objective:
                cost[j] += a
            h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        # no "threads" option: HiGHS's scheduler is global, and asking another thread count than
        # the process's first HiGHS run used makes run() fail (dual simplex is serial anyway)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            log.warning("isolation LP: %s", h.modelStatusToString(h.getModelStatus()))
            out.append(None)
            continue
        out.append((list(h.getSolution().col_value), h.getInfo().objective_function_value))
    return out


def integral_bound(value: float) -> int:
    """A lower bound of an integer-valued objective from an LP optimum computed in floating point:
    the LP value less a margin far above HiGHS's tolerances (1e-7), rounded up."""
    return math.ceil(value - 1e-5 * max(1.0, abs(value)) - 1e-3)
