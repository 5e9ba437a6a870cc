"""Polishing a tier's start: one module re-optimised by HiGHS with the rest of the plan fixed.

Measured on the demo county (2026-11-29): after the critical tier, the shared model's routine
shortages stood at 6.79 M person-days and CP-SAT's routine slice brought them to 6.13 M, while
the supply shipments alone, re-solved as a MIP with every other decision where the critical
tier left it and the critical tier locked, reach 5.42 M, proven optimal for that restriction,
in about 3 s. Shipments are a flow problem whose LP is nearly integral; CP-SAT's search,
spread over every module, moves them slowly. So before each tier, the modules that name it in
their `POLISH` tuple are re-solved this way, from the tier above's plan (the first tier: from
the warm start's, when it is a whole plan), and the result is the tier's hint. The sampling
module does so for the critical tier: the warm start's 6,798 high-risk residents unsampled
fall to ~5,830 in about a second, next to the module's own bound of 5,826.

The re-solve is a restriction of the shared model (the other variables fixed at the
incumbent, every constraint that touches a freed variable kept, the tiers above locked as they
are rows of the model), so its plan keeps every hard rule. HiGHS works in floating point, so
the rounded plan is checked row by row, exactly, before it is used; a plan that fails the
check, or is no better, is dropped and the tier starts from the incumbent as before.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import highspy
import numpy as np
from ortools.sat import cp_model_pb2
from ortools.sat.python import cp_model

from optimizer.cpsat_mip import LINEAR, objective_of, proto_of, to_highs

log = logging.getLogger(__name__)
SECONDS_PER_FREED = 1.2e-4
"""A polish given less than this per freed variable is skipped: on the demo the supply module
(1,242 variables) takes 0.2-0.5 s, the sampling module (14,051) 1.8-2.4 s, and a what-if run's
12-s budget gave sampling ~1 s, in which it found nothing and cost the tiers their time (4 of 8
scenarios then ended without a routine-tier plan)."""


def _var(lit: int) -> int:
    return lit if lit >= 0 else -lit - 1


def _touched(c: cp_model_pb2.ConstraintProto) -> set[int] | None:
    """Variables a constraint reads (None: a kind the MIP translation does not read)."""
    kind = c.WhichOneof("constraint")
    if kind is None:
        return set()
    if kind not in LINEAR:
        return None
    found = set(c.linear.vars) if kind == "linear" else {_var(x) for x in getattr(c, kind).literals}
    return found | {_var(x) for x in c.enforcement_literal}


def _lit_value(values: Sequence[int], lit: int) -> int:
    return values[lit] if lit >= 0 else 1 - values[-lit - 1]


def _holds(c: cp_model_pb2.ConstraintProto, values: Sequence[int]) -> bool:
    """Whether an integral plan keeps a (linear-family) constraint, in exact integer arithmetic."""
    if not all(_lit_value(values, e) for e in c.enforcement_literal):
        return True
    kind = c.WhichOneof("constraint")
    if kind is None:
        return True
    if kind == "linear":
        return _in_domain(c.linear.domain, sum(int(a) * values[j] for j, a in zip(c.linear.vars, c.linear.coeffs)))
    lits = [_lit_value(values, x) for x in getattr(c, kind).literals]
    if kind == "bool_and":
        return all(lits)
    if kind == "bool_or":
        return any(lits)
    return sum(lits) <= 1 if kind == "at_most_one" else sum(lits) == 1


def polish(model: cp_model.CpModel, incumbent: Sequence[int], free: set[int], objective,
           seconds: float, then=None) -> tuple[list[int], float, bool] | None:
    """Re-solve the variables in `free` by HiGHS, minimising `objective` (a linear expression of
    the model), every other variable fixed at `incumbent`, within `seconds`; `then`, the next
    tier's objective, breaks its ties (weighted below one unit of `objective`). Returns (plan,
    objective value, whether HiGHS finished before the clock: then the same input gives the
    same plan), or None when nothing better was found, the restriction has a constraint HiGHS
    cannot read, or its plan does not keep every row exactly.

    Why `then`: polished for critical shortages alone, the demo's sampling module closed every
    desk that serves no high-risk resident (the objective is indifferent to them), coverage
    fell from 86 % to 47 %, and the routine tier's slice could not open them again."""
    t0 = time.perf_counter()
    if seconds < max(0.2, SECONDS_PER_FREED * len(free)):
        log.debug("polish skipped: %.1f s is too short for %d freed variables", seconds, len(free))
        return None
    proto = proto_of(model)
    terms, offset = objective_of(model, objective)
    red = cp_model_pb2.CpModelProto()
    red.variables.extend(proto.variables)
    for i, v in enumerate(red.variables):
        if i not in free:
            del v.domain[:]
            v.domain.extend([incumbent[i], incumbent[i]])
    kept = []
    for c in proto.constraints:
        touched = _touched(c)
        if touched is None:
            if _nonlinear_touches(c, free):
                log.info("polish skipped: a %s constraint reads a freed variable", c.WhichOneof("constraint"))
                return None
            continue
        if touched & free:
            kept.append(c)
    red.constraints.extend(kept)
    before = sum(a * incumbent[j] for j, a in terms)
    h = to_highs(red, _ties_broken(model, red, terms, then, free), integral=False)
    n = len(red.variables)
    found = _rens(h, n, incumbent, t0 + seconds) or _mip(h, n, incumbent, t0 + seconds)
    if found is None:
        return None
    values, complete = found
    for i in range(len(values)):
        if i not in free:
            values[i] = int(incumbent[i])
    after = sum(a * values[j] for j, a in terms)
    if after >= before - 0.5:
        return None
    bad = [c for c in kept if not _holds(c, values)] + [
        v for i, v in enumerate(proto.variables) if i in free and not _in_domain(v.domain, values[i])]
    if bad:
        log.info("polish dropped: its rounded plan breaks %d rows", len(bad))
        return None
    log.info("polish: %.0f -> %.0f in %.1f s%s", before + offset, after + offset, time.perf_counter() - t0,
             "" if complete else " (stopped by the clock)")
    return values, after + offset, complete


def keeps_rows(model: cp_model.CpModel, plan: Sequence[int], free: set[int],
               solved: Sequence[int] | None = None) -> bool:
    """Whether `plan`, which differs from a whole plan of the model only in the variables of
    `free`, keeps every row that reads them and their domains, checked exactly (a module's
    re-packing, taken without a solve when it does). False when a constraint of a kind this
    check does not read touches them, unless `solved`, a whole plan, agrees with `plan` on
    every variable that constraint reads: it then holds as it does there (a neighbourhood's
    plan laid over a polished one, optimizer/solve.py)."""
    proto = proto_of(model)
    for i in free:
        if not _in_domain(proto.variables[i].domain, plan[i]):
            return False
    for c in proto.constraints:
        touched = _touched(c)
        if touched is None:
            read = _nonlinear_reads(c)
            if read & free and (solved is None or any(plan[j] != solved[j] for j in read)):
                return False
        elif touched & free and not _holds(c, plan):
            return False
    return True


def neighbourhood(model: cp_model.CpModel, incumbent: Sequence[int], free: set[int], objective,
                  solver: cp_model.CpSolver, hint: Sequence[int] | None = None) -> tuple[list[int], float] | None:
    """Re-solve the variables in `free` by CP-SAT (`solver`, its limits set by the caller),
    minimising `objective`, every other variable fixed at `incumbent`, which is the hint unless
    `hint` (a plan that differs in the freed variables, e.g. a module's re-packing) is given.
    Returns (plan, objective value), or None when nothing better than `incumbent` was found in time.

    For the modules HiGHS cannot take (the tracing module's intervals) or cannot solve in time
    (the sampling module's routine tier). Measured on the demo county (2026-11-29): from the
    critical tier's start (1,447,763), the tracing, roads, isolation and supply modules re-solved
    together reach 1,446,265-1,446,430 in 5 s (the seal exit's checkpoint staffed with guards an
    isolation site or a truck had, and tracing 360 late hours earlier), where the whole model's
    5-s slice stays at its start; the sampling module alone in the routine tier brings 53,000
    residents unsampled to 24,000 in 4 s, 1 % from the restriction's bound. A restriction's
    presolve removes every fixed variable, so its search works on a model a tenth the size."""
    return Restriction(model, incumbent, free, objective, hint).solve(solver)


class Restriction:
    """The model with every variable outside `free` fixed at `incumbent`, made at once (it reads
    and sets the model's objective), solved by `solve`, which touches only its own copy: another
    thread may solve it while this one goes on with the model (optimizer/solve.py runs the
    tracing module's beside the sampling module's HiGHS polish)."""

    def __init__(self, model: cp_model.CpModel, incumbent: Sequence[int], free: set[int], objective,
                 hint: Sequence[int] | None = None):
        self.free = free
        self.before = value_at(model, objective, incumbent)  # (which also sets the model's objective, for the clone)
        self.sub = model.clone()
        variables = self.sub.proto.variables
        for i, x in enumerate(incumbent):
            if i not in free:
                dom = variables[i].domain
                dom.clear()
                dom.extend([int(x), int(x)])
        self.sub.clear_hints()
        self.sub.proto.solution_hint.vars.extend(range(len(incumbent)))
        self.sub.proto.solution_hint.values.extend(int(x) for x in (incumbent if hint is None else hint))

    def solve(self, solver: cp_model.CpSolver) -> tuple[list[int], float] | None:
        t0 = time.perf_counter()
        code = solver.solve(self.sub)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or solver.objective_value >= self.before - 0.5:
            log.debug("neighbourhood of %d variables: nothing better in %.1f s", len(self.free),
                      time.perf_counter() - t0)
            return None
        log.info("neighbourhood of %d variables: %.0f -> %.0f in %.1f s", len(self.free), self.before,
                 solver.objective_value, time.perf_counter() - t0)
        return list(solver.response_proto.solution), solver.objective_value


def in_thread(job, *args) -> Future:
    """`job(*args)` started in a thread of its own."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(job, *args)
    pool.shutdown(wait=False)  # (the thread ends with its job)
    return future


class Beside:
    """A restriction solved by CP-SAT in a thread of its own (give it one worker) while HiGHS
    polishes the same start on the other core (optimizer/solve.py, `BESIDE_POLISH`)."""

    def __init__(self, restriction: Restriction, solver: cp_model.CpSolver):
        self.restriction, self.solver = restriction, solver
        self.future = in_thread(restriction.solve, solver)

    def laid_over(self, model: cp_model.CpModel, plan: list[int], objective) -> list[int] | None:
        """The group's plan laid over `plan` (the polished start, or the start itself), if it keeps
        every row and lowers `objective`; None otherwise. The polish frees no variable that an
        interval or another constraint HiGHS cannot read mentions, so those hold as they do in
        the group's own plan."""
        found = self.future.result()
        if found is None:
            return None
        laid = list(plan)
        for i in self.restriction.free:
            laid[i] = found[0][i]
        if not keeps_rows(model, laid, self.restriction.free, solved=found[0]):
            log.info("%s beside the polish: its plan does not fit the polished one", "neighbourhood")
            return None
        before, after = value_at(model, objective, plan), value_at(model, objective, laid)
        if after >= before - 0.5:
            return None
        log.info("neighbourhood beside the polish laid over it: %.0f -> %.0f", before, after)
        return laid


def spread(model: cp_model.CpModel, expr) -> tuple[int, int]:
    """(lowest value, widest swing) of an integer linear expression over its variables' domains."""
    terms, offset = objective_of(model, expr)
    variables = model.proto.variables
    low, swing = offset, 0
    for j, a in terms:
        dom = variables[j].domain
        lo, hi = dom[0], dom[len(dom) - 1]
        low += min(a * lo, a * hi)
        swing += abs(a) * (hi - lo)
    return int(low), int(swing)


def value_at(model: cp_model.CpModel, expr, values: Sequence[int]) -> float:
    """A linear expression of the model evaluated at a plan (one value per variable)."""
    terms, offset = objective_of(model, expr)
    return sum(a * values[j] for j, a in terms) + offset


def _ties_broken(model: cp_model.CpModel, red, terms: list[tuple[int, float]], then,
                 free: set[int]) -> list[tuple[int, float]]:
    """W × objective + then, W above the widest swing `then` has over the freed variables, so
    that no change of `then` outweighs one unit of the objective (its coefficients are integers)."""
    if then is None:
        return terms
    later, _ = objective_of(model, then)
    swing = 0.0
    for j, a in later:
        if j in free:
            dom = list(red.variables[j].domain)
            swing += abs(a) * (dom[-1] - dom[0])
    weight = math.floor(swing) + 1
    log.debug("polish: ties broken by the next tier at weight %d", weight)
    return [(j, weight * a) for j, a in terms] + later


def _rens(h, n: int, incumbent: Sequence[int], deadline: float) -> tuple[list[int], bool] | None:
    """The LP relaxation, then the MIP with each variable between the integers around its LP
    value (RENS). On the demo the LP takes 0.1 s and is integral but for a few shipments, so
    this MIP is small; HiGHS's own search over the whole restriction took 3 s to the same plan
    (root LP at 0.9 s, then its sub-MIP heuristic). None if the box holds no plan in time."""
    h.setOptionValue("time_limit", max(0.05, deadline - time.perf_counter()))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    lp = np.asarray(h.getSolution().col_value)
    lp_info = h.getLp()
    lb, ub = np.asarray(lp_info.col_lower_), np.asarray(lp_info.col_upper_)
    cols = _integral(h, n)
    low, high = np.floor(lp + 1e-6), np.ceil(lp - 1e-6)
    found = None
    for with_incumbent in (False, True):
        if with_incumbent:  # the box also spans the incumbent, which is then the start: never empty
            low, high = np.minimum(low, incumbent), np.maximum(high, incumbent)
            _start(h, incumbent)
        h.changeColsBounds(n, cols, np.maximum(lb, low), np.minimum(ub, high))
        t = time.perf_counter()
        found = _run(h, deadline)
        log.debug("polish RENS%s: %d fractional, %s in %.1f s", " with the incumbent" if with_incumbent else "",
                  int(np.sum(np.abs(lp - np.round(lp)) > 1e-6)), h.modelStatusToString(h.getModelStatus()),
                  time.perf_counter() - t)
        if found is not None:
            break
    h.changeColsBounds(n, cols, lb, ub)  # the whole restriction again, for _mip
    return found


def _mip(h, n: int, incumbent: Sequence[int], deadline: float) -> tuple[list[int], bool] | None:
    """The whole restriction as a MIP from the incumbent, in the time left."""
    _integral(h, n)
    _start(h, incumbent)
    return _run(h, deadline)


def _start(h, incumbent: Sequence[int]) -> None:
    start = highspy.HighsSolution()
    start.col_value = [float(x) for x in incumbent]
    start.value_valid = True
    h.setSolution(start)


def _integral(h, n: int) -> np.ndarray:
    cols = np.arange(n, dtype=np.int32)
    h.changeColsIntegrality(n, cols, np.full(n, highspy.HighsVarType.kInteger))
    return cols


def _run(h, deadline: float) -> tuple[list[int], bool] | None:
    """(rounded plan, whether HiGHS finished before the clock), or None with no plan."""
    left = deadline - time.perf_counter()
    if left < 0.05:
        return None
    h.setOptionValue("time_limit", left)
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return None
    complete = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return [round(x) for x in h.getSolution().col_value], complete


def _in_domain(domain: Sequence[int], x: int) -> bool:
    """Whether x lies in a CP-SAT domain (sorted [lo, hi] pairs, flattened)."""
    dom = list(domain)
    return any(dom[k] <= x <= dom[k + 1] for k in range(0, len(dom), 2))


def _nonlinear_touches(c: cp_model_pb2.ConstraintProto, free: set[int]) -> bool:
    """Whether a constraint the translation does not read mentions a freed variable."""
    return bool(_nonlinear_reads(c) & free)


def _nonlinear_reads(c: cp_model_pb2.ConstraintProto) -> set[int]:
    """The variables a constraint the translation does not read mentions (anywhere in its
    message: interval bounds, lin_max terms, enforcement; a no-overlap names intervals, whose
    own constraints name their variables)."""
    found = {_var(x) for x in c.enforcement_literal}
    for field, value in getattr(c, c.WhichOneof("constraint")).ListFields():
        for expr in ([value] if hasattr(value, "ListFields") else value):
            found |= set(getattr(expr, "vars", ()))
    return found


def module_variables(pool, ranges: dict[str, range], names: Sequence[str]) -> set[int]:
    """Indices of the variables the named modules created while building, and of the staff
    pool's counters for their duty blocks."""
    free: set[int] = set()
    for name in names:
        free |= set(ranges.get(name, ()))
    free |= {v.index for (_, b), v in pool.counters() if b.module in names}
    return free
