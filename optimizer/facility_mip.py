"""The facility problem as a MIP through OR-Tools MathOpt (HiGHS).

Same rules as ``add_facility_location``: every client served (or split over open sites,
or left unserved at its penalty), load within capacity, x_ij <= y_j, plus the redundant
cuts that open capacity covers total demand and that at least the fewest sites able to
hold it are open. Split demand is a continuous share in [0, 1], exact for a MIP where
CP-SAT would need huge integer scaling. Uncapacitated problems (p-median) use the
compact radius formulation (``facility_radius``). The model is assembled from numpy
arrays straight into a MathOpt ModelProto (no per-variable Python objects), so a
900 x 900 p-median builds in about a second. Runs that must end when another thread
says so (``StoppableRun``) hand the same model to highspy, since MathOpt's HiGHS
cannot be interrupted.
"""
from __future__ import annotations

import datetime
import logging
import math
from dataclasses import dataclass

import numpy as np
from ortools.math_opt import model_pb2, solution_pb2
from ortools.math_opt.core.python import solver as core_solver
from ortools.math_opt.python import callback, init_arguments, mathopt
from ortools.util.python import solve_interrupter

from optimizer.facility_problem import FacilityProblem

log = logging.getLogger(__name__)


class SparseBuilder:
    """Collects columns and rows as numpy arrays, then fills a ModelBuilder model in one call."""

    def __init__(self) -> None:
        self.lb, self.ub, self.obj, self.integer = [], [], [], []
        self.rows, self.cols, self.vals, self.row_lo, self.row_hi = [], [], [], [], []
        self.num_vars = 0
        self.num_rows = 0

    def add_vars(self, count: int, *, ub: float = 1.0, obj=0.0, integer: bool = False) -> np.ndarray:
        """Add ``count`` variables in [0, ub]; returns their column indices."""
        idx = np.arange(self.num_vars, self.num_vars + count)
        self.num_vars += count
        self.lb.append(np.zeros(count))
        self.ub.append(np.full(count, float(ub)))
        self.obj.append(np.broadcast_to(np.asarray(obj, dtype=float), (count,)).copy())
        self.integer.append(np.full(count, integer))
        return idx

    def add_rows(self, row_of_entry, col, val, lo, hi) -> np.ndarray:
        """Add rows lo <= sum(val * x[col]) <= hi; ``row_of_entry`` numbers the new rows from 0."""
        row_of_entry = np.asarray(row_of_entry, dtype=np.int64)
        lo, hi = np.atleast_1d(np.asarray(lo, float)), np.atleast_1d(np.asarray(hi, float))
        count = max(len(lo), len(hi), int(row_of_entry.max(initial=-1)) + 1)
        self.rows.append(row_of_entry + self.num_rows)
        self.cols.append(np.asarray(col, dtype=np.int64))
        self.vals.append(np.asarray(val, dtype=float))
        self.row_lo.append(np.broadcast_to(lo, (count,)))
        self.row_hi.append(np.broadcast_to(hi, (count,)))
        self.num_rows += count
        return np.arange(self.num_rows - count, self.num_rows)

    def build(self, integral: bool = True, offset: float = 0.0) -> model_pb2.ModelProto:
        """The collected columns and rows as a MathOpt model (rows sorted, duplicates summed)."""
        cat = lambda parts, dtype=float: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)  # noqa: E731
        proto = model_pb2.ModelProto()
        v = proto.variables
        v.ids.extend(range(self.num_vars))
        v.lower_bounds.extend(cat(self.lb).tolist())
        v.upper_bounds.extend(cat(self.ub).tolist())
        v.integers.extend((cat(self.integer, bool) & integral).tolist())
        obj = cat(self.obj)
        nz = np.flatnonzero(obj)
        proto.objective.linear_coefficients.ids.extend(nz.tolist())
        proto.objective.linear_coefficients.values.extend(obj[nz].tolist())
        proto.objective.offset = offset
        c = proto.linear_constraints
        c.ids.extend(range(self.num_rows))
        c.lower_bounds.extend(cat(self.row_lo).tolist())
        c.upper_bounds.extend(cat(self.row_hi).tolist())
        rows, cols, vals = cat(self.rows, np.int64), cat(self.cols, np.int64), cat(self.vals)
        key = rows * max(1, self.num_vars) + cols  # MathOpt wants row-major order, no repeats
        uniq, inverse = np.unique(key, return_inverse=True)
        summed = np.bincount(inverse, weights=vals, minlength=len(uniq))
        keep = summed != 0
        m = proto.linear_constraint_matrix
        m.row_ids.extend((uniq[keep] // max(1, self.num_vars)).tolist())
        m.column_ids.extend((uniq[keep] % max(1, self.num_vars)).tolist())
        m.coefficients.extend(summed[keep].tolist())
        return proto


@dataclass
class MipModel:
    """A built model and where its open, assign (per arc) and unserved columns live."""

    model: model_pb2.ModelProto
    y: np.ndarray
    arc_client: np.ndarray
    arc_site: np.ndarray
    x: np.ndarray
    u: np.ndarray | None
    kind: str = "assign"  # or "radius": x is empty and clients go to their nearest open site

    def objective(self, values: np.ndarray) -> float:
        """The objective of a solution (one value per column), from the model's own coefficients."""
        c = self.model.objective
        ids = np.asarray(c.linear_coefficients.ids, dtype=np.int64)
        return float(c.offset + values[ids] @ np.asarray(c.linear_coefficients.values))


def min_open_sites(p: FacilityProblem) -> int:
    """Fewest sites whose capacities (largest first) can hold the total demand."""
    total = 0
    for k, c in enumerate(sorted(p.capacities, reverse=True), 1):
        total += c
        if total >= p.total_demand:
            return k
    return p.num_sites


def build_mip(p: FacilityProblem, *, integral: bool = True) -> MipModel:
    """Strong assignment formulation (or its LP relaxation when ``integral`` is False)."""
    m, n = p.num_sites, p.num_clients
    a = p.arcs
    d = np.asarray(p.demands, dtype=float)
    cap = np.array([np.inf if c is None else c for c in p.capacities], dtype=float)
    client = np.repeat(np.arange(n), np.diff(a.indptr))
    site = a.site.astype(np.int64)
    cost = a.cost.astype(float)
    if p.single_source:  # a site can never take a client bigger than itself
        keep = d[client] <= cap[site]
        client, site, cost = client[keep], site[keep], cost[keep]
    b = SparseBuilder()
    y = b.add_vars(m, obj=np.asarray(p.fixed_costs, float), integer=True)
    x = b.add_vars(len(client), obj=cost, integer=p.single_source)
    u = None
    if p.unserved_penalty is not None:
        u = b.add_vars(n, obj=np.asarray(p.unserved_penalty, float), integer=p.single_source)
    # each client served once (or its shares add up to one)
    rows, cols = [client], [x]
    if u is not None:
        rows.append(np.arange(n))
        cols.append(u)
    b.add_rows(np.concatenate(rows), np.concatenate(cols), np.ones(sum(len(c) for c in cols)), 1.0, 1.0)
    # x_ij <= y_j: the strong linking (an open site is needed for any share)
    k = len(x)
    b.add_rows(np.repeat(np.arange(k), 2), np.column_stack([x, y[site]]).ravel(),
               np.tile([1.0, -1.0], k), -np.inf, np.zeros(k))
    capped = np.flatnonzero(np.isfinite(cap))
    if capped.size:  # load within capacity: sum_i d_i x_ij <= cap_j y_j
        row_of_site = -np.ones(m, dtype=np.int64)
        row_of_site[capped] = np.arange(capped.size)
        on = np.isfinite(cap[site])
        b.add_rows(np.concatenate([row_of_site[site[on]], np.arange(capped.size)]),
                   np.concatenate([x[on], y[capped]]),
                   np.concatenate([d[client[on]], -cap[capped]]), -np.inf, np.zeros(capped.size))
    if u is None and capped.size == m:
        # Redundant for integer plans; both tighten the LP relaxation.
        b.add_rows(np.zeros(m), y, cap, float(d.sum()), np.inf)
        b.add_rows(np.zeros(m), y, np.ones(m), float(min_open_sites(p)), np.inf)
    if p.open_count is not None:
        b.add_rows(np.zeros(m), y, np.ones(m), float(p.open_count), float(p.open_count))
    return MipModel(b.build(integral), y, client, site, x, u)


HEURISTIC_SWITCHES = (
    "mip_heuristic_run_rins", "mip_heuristic_run_rens", "mip_heuristic_run_root_reduced_cost",
    "mip_heuristic_run_zi_round", "mip_heuristic_run_shifting", "mip_heuristic_run_feasibility_jump",
)


class HighsRun:
    """One HiGHS solve of a built model at zero gap tolerance; ``stop()`` interrupts it from another thread.

    ``cutoff`` prunes every plan not better than it. HiGHS may then still report a
    worse plan it stumbled on as "optimal", so callers compare against their incumbent.
    """

    def __init__(self, mm: MipModel, *, time_limit: float, seed: int, cutoff: float | None = None,
                 own_heuristics: bool = True):
        self.mm = mm
        self.params = mathopt.SolveParameters(
            time_limit=datetime.timedelta(seconds=max(time_limit, 0.01)),
            relative_gap_tolerance=0.0,
            absolute_gap_tolerance=0.0,
            random_seed=seed,
        )
        if cutoff is not None:  # MathOpt's cutoff_limit is not wired to HiGHS; its own option is
            self.params.highs.double_options["objective_bound"] = cutoff
        if not own_heuristics:  # the incumbent is already (near) optimal: spend the time on the proof
            self.params.highs.double_options["mip_heuristic_effort"] = 0.0
            for name in HEURISTIC_SWITCHES:
                self.params.highs.bool_options[name] = False
        self.interrupter = solve_interrupter.SolveInterrupter()
        self.reason: mathopt.TerminationReason | None = None
        self._values: np.ndarray | None = None
        self._bound = -math.inf

    def run(self) -> "HighsRun":
        result = core_solver.solve(  # the C++ solve releases the GIL, so races run in threads
            self.mm.model,
            mathopt.SolverType.HIGHS.value,
            init_arguments.StreamableSolverInitArguments().to_proto(),
            self.params.to_proto(),
            mathopt.ModelSolveParameters().to_proto(),
            None,
            callback.CallbackRegistration().to_proto(),
            None,
            self.interrupter.pybind_interrupter,
        )
        self.reason = mathopt.TerminationReason(result.termination.reason)
        self._bound = result.termination.objective_bounds.dual_bound
        for sol in result.solutions:
            primal = sol.primal_solution
            if primal.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE:
                values = np.zeros(len(self.mm.model.variables.ids))
                values[np.asarray(primal.variable_values.ids, dtype=np.int64)] = primal.variable_values.values
                self._values = values
                break
        return self

    def stop(self) -> None:
        self.interrupter.interrupt()

    @property
    def optimal(self) -> bool:
        return self.reason == mathopt.TerminationReason.OPTIMAL

    @property
    def infeasible(self) -> bool:
        return self.reason == mathopt.TerminationReason.INFEASIBLE

    def values(self) -> np.ndarray | None:
        return self._values

    def bound(self) -> float:
        return float(self._bound)

    def objective(self) -> float | None:
        """Objective of the returned plan, recomputed from the model's own coefficients."""
        return None if self._values is None else self.mm.objective(self._values)


def highs_lp(model: model_pb2.ModelProto):
    """The MathOpt model as a highspy ``HighsLp`` (column-wise matrix)."""
    import highspy
    from scipy.sparse import csc_matrix

    v, rows = model.variables, model.linear_constraints
    nv, nr = len(v.ids), len(rows.ids)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nv, nr
    lp.col_lower_ = np.asarray(v.lower_bounds, dtype=float)
    lp.col_upper_ = np.asarray(v.upper_bounds, dtype=float)
    cost = np.zeros(nv)
    cost[np.asarray(model.objective.linear_coefficients.ids, dtype=np.int64)] = model.objective.linear_coefficients.values
    lp.col_cost_ = cost
    lp.offset_ = model.objective.offset
    lp.row_lower_ = np.asarray(rows.lower_bounds, dtype=float)
    lp.row_upper_ = np.asarray(rows.upper_bounds, dtype=float)
    m = model.linear_constraint_matrix
    a = csc_matrix((np.asarray(m.coefficients, dtype=float),
                    (np.asarray(m.row_ids, dtype=np.int64), np.asarray(m.column_ids, dtype=np.int64))),
                   shape=(nr, nv))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    if any(v.integers):
        kind = np.where(np.asarray(v.integers, dtype=bool), highspy.HighsVarType.kInteger,
                        highspy.HighsVarType.kContinuous)
        lp.integrality_ = kind.tolist()
    return lp


class StoppableRun:
    """A HiGHS MIP through highspy that ends as soon as ``stop()`` turns true; HighsRun's interface.

    For the work that must end the moment something else happens (the re-packing
    sub-MIPs when the proof beside them closes) or take plans found beside it (the proof,
    from the re-packing: ``offers``). Through MathOpt HiGHS ignores an interrupt (measured: a 5 s sub-MIP
    ran on after the proof of p37 closed at 0.5 s, and the instance took 5 s). Long proofs
    stay on ``HighsRun``: MathOpt's HiGHS proved p27/p29/p51 10-40 % faster in CPU than
    highspy's 1.16 (load 5-7, 29 Nov).
    """

    def __init__(self, mm: MipModel, *, time_limit: float, cutoff: float | None = None,
                 own_heuristics: bool = True, stop=None, seed: int = 0, offers=None):
        self.mm, self.time_limit, self.cutoff = mm, max(time_limit, 0.01), cutoff
        self.own_heuristics, self.stop, self.seed = own_heuristics, stop, seed
        self.offers = offers  # offers() -> a better plan's column values for HiGHS to take, or None
        self.reason: str | None = None  # "optimal", "infeasible", "interrupted", "time_limit" or HiGHS's word
        self._values: np.ndarray | None = None
        self._bound = -math.inf

    def run(self) -> "StoppableRun":
        import highspy

        from optimizer.cpsat_mip import quiet_highs  # creates HiGHS without its banner on stdout

        if self.stop is not None and self.stop():
            self.reason = "interrupted"
            return self
        h = quiet_highs()
        h.passModel(highs_lp(self.mm.model))
        for name, value in (("mip_rel_gap", 0.0), ("mip_abs_gap", 0.0), ("random_seed", self.seed),
                            ("time_limit", float(self.time_limit)), ("threads", 1)):
            h.setOptionValue(name, value)
        if self.cutoff is not None:
            h.setOptionValue("objective_bound", float(self.cutoff))
        if not self.own_heuristics:
            h.setOptionValue("mip_heuristic_effort", 0.0)
            for name in HEURISTIC_SWITCHES:
                h.setOptionValue(name, False)
        if self.stop is not None:
            stop = self.stop

            def check(event) -> None:
                if stop():
                    event.interrupt()

            h.cbMipInterrupt.subscribe(check)
        if self.offers is not None:
            offers = self.offers

            def give(event) -> None:
                values = offers()
                if values is not None:
                    event.data_in.setSolution(values)

            # HiGHS asks before each dive: a plan found elsewhere tightens the running
            # search's cutoff without losing its root cuts and tree (restarting did)
            h.cbMipUserSolution.subscribe(give)
        started = h.run()  # releases the GIL
        if started == highspy.HighsStatus.kError and h.getModelStatus() == highspy.HighsModelStatus.kNotset:
            # "threads" cannot differ from this process's HiGHS scheduler, which an earlier
            # HiGHS solve with its default may have started with more: run on that one
            h.setOptionValue("threads", 0)
            h.run()
        status = h.getModelStatus()
        s = highspy.HighsModelStatus
        self.reason = {s.kOptimal: "optimal", s.kInfeasible: "infeasible", s.kInterrupt: "interrupted",
                       s.kTimeLimit: "time_limit"}.get(status, h.modelStatusToString(status).lower())
        self._bound = float(h.getInfo().mip_dual_bound)
        if h.getInfo().primal_solution_status == 2:  # feasible
            self._values = np.asarray(h.getSolution().col_value, dtype=float)
        return self

    @property
    def optimal(self) -> bool:
        return self.reason == "optimal"

    @property
    def infeasible(self) -> bool:
        """True when HiGHS closed the search without a plan: none exists (or none beats the cutoff)."""
        return self.reason == "infeasible"

    def values(self) -> np.ndarray | None:
        return self._values

    def bound(self) -> float:
        return self._bound

    def objective(self) -> float | None:
        """Objective of the returned plan, recomputed from the model's own coefficients."""
        return None if self._values is None else self.mm.objective(self._values)
