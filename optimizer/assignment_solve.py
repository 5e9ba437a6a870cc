"""Standalone solve of the assignment core: bounds, a first plan, then CP-SAT on what can still matter.

1. Bounds: the LP relaxation, then the Lagrangian one (a knapsack per agent), on the
   minimisation form; a greedy + local-search plan.
2. Search round: CP-SAT's own search (its large-neighbourhood moves need a plan to improve,
   so the objective is left uncapped) on the pairs that can appear in a plan costing at
   most a window a little above the bound. Its best plan in that window is the optimum;
   otherwise it yields a good plan and lifts the bound past the window.
3. Proof rounds: "is there a plan cheaper than the best known?" on the pairs that survive
   for that target, with each agent's qualifying bundles as table constraints
   (``optimizer.assignment_patterns``). "None" proves the best plan optimal; a plan found
   is cheaper, and the round repeats below it.

Every model is the product's own (:func:`optimizer.assignment.add_assignment`) on fewer
pairs, plus objective limits and valid cuts; every reduction is exact, so OPTIMAL means
proven optimal for the original problem.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import time

import numpy as np
from ortools.sat.python import cp_model

from optimizer.assignment import (AssignmentProblem, AssignmentResult, AssignmentSolution,
                                  add_assignment, check_assignment, evaluate)
from optimizer.assignment_bundle_search import bundle_search
from optimizer.assignment_heuristic import first_plan
from optimizer.assignment_patterns import BundleCuts, add_bundle_cuts, bundle_cuts
from optimizer.assignment_relax import (EPS, MinForm, lagrangian_bound, lp_bound, pair_losses,
                                        surviving_pairs, valid_floor)

log = logging.getLogger(__name__)

# CP-SAT work budgets (deterministic time, about seconds of one core): work, not a clock,
# so a run with one worker gives the same answer on a busy machine. Doubled on each retry.
SEARCH_WORK = 0.5
PROOF_WORK = 2.0
SMALL_WINDOW = 1_000  # bundles: a proven window this cheap is doubled for the next round
WIDE_TABLES = 5_000  # bundles allowed for a window wider than one unit
PROOF_TABLES = 20_000
BUNDLE_NODES = 10_000  # bundle-search nodes before handing a window to CP-SAT  # bundles handed to CP-SAT in a proof round (its table presolve grows with them)


def _solver(time_limit: float, workers: int, seed: int, work: float | None = None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(time_limit, 0.01)
    if work is not None:
        p.max_deterministic_time = work  # a work budget, not a clock: same result on a busy machine
    p.num_workers = workers
    p.random_seed = seed
    # integer objective: stop only at a proven optimum, never at a "good enough" gap
    p.relative_gap_limit = 0.0
    p.absolute_gap_limit = 0.0
    return solver


def plain_solve(problem: AssignmentProblem, time_limit: float, workers: int, seed: int) -> AssignmentResult:
    """The product model as is: used when the bounds have nothing to say (no tasks, LP infeasible)."""
    start = time.perf_counter()
    model = cp_model.CpModel()
    vars_ = add_assignment(model, problem)
    (model.minimize if problem.sense == "min" else model.maximize)(vars_.objective)
    solver = _solver(time_limit, workers, seed)
    status = solver.solve(model)
    seconds = time.perf_counter() - start
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return AssignmentResult(solver.status_name(status), None, None, None, seconds, None)
    bound = solver.best_objective_bound
    bound = math.ceil(bound - 1e-6) if problem.sense == "min" else math.floor(bound + 1e-6)
    return _result(solver.status_name(status), vars_.extract(solver), bound, seconds)


def _result(status: str, sol: AssignmentSolution, bound: int, seconds: float) -> AssignmentResult:
    gap = abs(sol.objective - bound) / max(1.0, abs(sol.objective))
    return AssignmentResult(status, sol.objective, bound, gap, seconds, sol)


def _residual(problem: AssignmentProblem, mf: MinForm, keep: np.ndarray):
    """The product model on the surviving pairs; returns the model, its variables and the min-form cost."""
    pen = problem.unassigned_penalty
    if mf.nobody is not None:
        pen = [p if keep[mf.nobody, j] else None for j, p in enumerate(pen)]
    residual = dataclasses.replace(problem, allowed=keep[: problem.num_agents], unassigned_penalty=pen)
    model = cp_model.CpModel()
    vars_ = add_assignment(model, residual)
    cost = vars_.objective if problem.sense == "min" else -vars_.objective
    return model, vars_, cost


class _State:
    """What is known so far, in min-form units: proven ``lower``, best plan cost ``upper`` and the plan."""

    def __init__(self, problem: AssignmentProblem, mf: MinForm, lower: int, plan: np.ndarray | None):
        self.problem, self.mf, self.lower = problem, mf, lower
        self.best: AssignmentSolution | None = None
        self.upper: int | None = None
        if plan is not None:
            self.offer(_as_solution(mf, plan))

    def offer(self, sol: AssignmentSolution, ties: bool = False) -> None:
        value = self.mf.sign * evaluate(self.problem, sol.agent_of)
        if self.upper is None or value < self.upper or (ties and value == self.upper):
            self.best, self.upper = dataclasses.replace(sol, objective=self.mf.sign * value), value

    @property
    def settled(self) -> bool:
        return self.upper is not None and self.lower >= self.upper


def _search_round(st: _State, keep: np.ndarray, window: int, left: float, workers: int, seed: int,
                  work: float) -> None:
    """CP-SAT's own search on the pairs surviving for ``window``, objective uncapped, work-limited."""
    model, vars_, cost = _residual(st.problem, st.mf, keep)
    model.add(cost >= st.lower)  # reaching the proven bound ends the search at once
    model.minimize(cost)
    if st.best is not None:
        # a partial hint (the pairs of the best plan that survive) still guides the first dive
        for j, a in enumerate(st.best.agent_of):
            if a is not None and vars_.is_allowed(a, j):
                model.add_hint(vars_.assign(a, j), True)
    solver = _solver(left, workers, seed, work)
    status = solver.solve(model)
    log.debug("search round (window %d): %d pairs, %s %s in %.2f s (work %.2f)", window, int(keep.sum()),
              solver.status_name(status), solver.objective_value if status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
              else "-", solver.wall_time, solver.deterministic_time)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        st.offer(vars_.extract(solver))
        if status == cp_model.OPTIMAL:
            # the best plan among all plans within the window, or there is none within it
            st.lower = max(st.lower, min(window + 1, st.upper))
        else:
            st.lower = max(st.lower, min(window + 1, math.ceil(solver.best_objective_bound - 1e-6)))
    elif status == cp_model.INFEASIBLE:
        st.lower = max(st.lower, window + 1)


def _proof_round(st: _State, keep: np.ndarray, cuts: BundleCuts, target: int, left: float,
                 workers: int, seed: int, work: float) -> bool:
    """Best plan with cost in [lower, target] under the bundle cuts; False if the work budget ran out."""
    model, vars_, cost = _residual(st.problem, st.mf, keep)
    model.add(cost <= target)
    model.add(cost >= st.lower)
    model.minimize(cost)
    add_bundle_cuts(model, vars_.assign, cuts)
    solver = _solver(left, workers, seed, work)
    status = solver.solve(model)
    log.debug("proof round [%d, %d]: %d pairs, %d bundles, %s in %.2f s (work %.2f)", st.lower, target,
              int(keep.sum()), cuts.size, solver.status_name(status), solver.wall_time, solver.deterministic_time)
    if status == cp_model.INFEASIBLE:
        st.lower = target + 1
        return True
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        st.offer(vars_.extract(solver))
    if status == cp_model.OPTIMAL:
        st.lower = st.upper
        return True
    if status == cp_model.FEASIBLE:
        st.lower = max(st.lower, min(target + 1, math.ceil(solver.best_objective_bound - 1e-6)))
    return False


def _confirm(st: _State, keep: np.ndarray, left: float, workers: int, seed: int) -> None:
    """The product model has the last word: it re-solves from the best plan, with the proven bound as a floor.

    On the pairs of plans no dearer than the best one, with that plan as a hint and the
    proven lower bound as a constraint (an objective bound from the relaxations, as one
    would hand CP-SAT an LP bound), CP-SAT checks the plan against every hard rule of its
    own model and returns it, or a better one if the bound is not yet met.
    """
    model, vars_, cost = _residual(st.problem, st.mf, keep)
    model.add(cost >= st.lower)
    model.minimize(cost)
    for j, a in enumerate(st.best.agent_of):
        if a is not None:
            model.add_hint(vars_.assign(a, j), True)
    solver = _solver(left, workers, seed)
    status = solver.solve(model)
    log.debug("confirm: %d pairs, %s %s in %.2f s", int(keep.sum()), solver.status_name(status),
              solver.objective_value if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else "-",
              solver.wall_time)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    before = st.upper
    st.offer(vars_.extract(solver), ties=True)  # the returned plan is the one CP-SAT's model checked
    # every plan no dearer than the old best is in this model, so its bound holds for them all
    st.lower = max(st.lower, min(before, math.ceil(solver.best_objective_bound - 1e-6)))


def solve_standalone(problem: AssignmentProblem, *, time_limit: float, workers: int = 2,
                     seed: int = 0) -> AssignmentResult:
    """Proven-optimal assignment (or the best plan and bound found in ``time_limit`` seconds)."""
    start = time.perf_counter()
    deadline = start + time_limit
    mf = MinForm.of(problem)
    if problem.num_tasks == 0 or not mf.allowed.any(axis=0).all():
        return plain_solve(problem, time_limit, workers, seed)
    lp = lp_bound(mf)
    if lp is None:
        return plain_solve(problem, time_limit, workers, seed)
    plan = first_plan(mf, [lp.task_price])
    upper = mf.value(plan) if plan is not None else None
    # Polyak steps aim a little above the LP bound; a plan one unit above the bound settles it
    aim = lp.value + max(1.0, 0.01 * abs(lp.value))
    enough = upper - 1 + 2 * EPS * max(1.0, abs(upper)) if upper is not None else np.inf
    lag = lagrangian_bound(mf, lp.task_price, aim, enough)
    # The Lagrangian value at any prices is a valid bound computed by our own exact DP (at the
    # LP prices it is already at least the LP value): HiGHS's float optimum is never trusted.
    bound = valid_floor(lag.value)
    st = _State(problem, mf, math.ceil(bound), plan)
    taken, loss = pair_losses(mf, lag.price)
    # no plan costs more than every task at its dearest agent: a window there is the whole problem
    ceiling = int(np.where(mf.allowed, mf.cost, np.iinfo(np.int64).min).max(axis=0).sum())
    log.debug("bounds LP %.3f Lagrangian %.3f, plan %s after %.2f s", lp.value, lag.value, st.upper,
              time.perf_counter() - start)
    step, search_work, proof_work = 1, SEARCH_WORK, PROOF_WORK
    while not st.settled and time.perf_counter() < deadline:
        # Bottom-up: is there a plan costing at most lower + step - 1? The window widens while
        # its bundle tables stay small, and shrinks back to one unit when they would not fit.
        target = min(st.lower + step - 1, ceiling, st.upper - 1 if st.upper is not None else ceiling)
        keep = surviving_pairs(mf, taken, loss, target - bound)
        # a wider window is worth it only while its tables stay small; give up on it early
        cuts = bundle_cuts(mf, keep, lag.price, target, total_limit=WIDE_TABLES if target > st.lower else 100_000)
        if not cuts.complete and target > st.lower:
            step = 1
            continue
        if cuts.budget < 0:
            st.lower = target + 1  # the bundle bound alone rules the window out
            step *= 2
            continue
        cover = bundle_search(mf, keep, cuts, BUNDLE_NODES)
        if cover.plan is not None:
            before = st.upper
            st.offer(_as_solution(mf, cover.plan))
            if st.upper != before:
                log.debug("bundle search: plan %d in window [%d, %d]", st.upper, st.lower, target)
                step = 1  # look below the new plan one unit at a time, with tables for that smaller room
                continue
        elif cover.exhausted:
            st.lower = target + 1  # every combination of qualifying bundles was ruled out
            log.debug("bundle search: no plan in window [%d, %d]", target - step + 1, target)
            step = step * 2 if cuts.size < SMALL_WINDOW else 1
            if st.upper is None and st.lower > ceiling:
                return AssignmentResult("INFEASIBLE", None, None, None, time.perf_counter() - start, None)
            continue
        # The bundle search gave up (loose capacities: too many ways to combine bundles). CP-SAT's
        # own search on the pairs surviving for the window settles it (its best plan there is
        # the optimum if within the window, else nothing is), or the tables help it prove.
        _search_round(st, keep, target, deadline - time.perf_counter(), workers, seed, search_work)
        if st.settled or st.lower > target:
            step = 1
            continue
        if time.perf_counter() >= deadline:
            break
        if not _proof_round(st, keep, cuts.smallest(PROOF_TABLES), target, deadline - time.perf_counter(),
                            workers, seed, proof_work):
            search_work, proof_work = 2 * search_work, 2 * proof_work
        step = 1
        if st.upper is None and st.lower > ceiling:
            return AssignmentResult("INFEASIBLE", None, None, None, time.perf_counter() - start, None)

    if st.best is not None:
        _confirm(st, surviving_pairs(mf, taken, loss, st.upper - bound), max(deadline - time.perf_counter(), 0.5),
                 workers, seed)
    seconds = time.perf_counter() - start
    if st.best is None:
        return AssignmentResult("UNKNOWN", None, None, None, seconds, None)
    problems = check_assignment(problem, st.best.agent_of)
    if problems:  # a plan that breaks a hard rule is a bug, never a result
        raise AssertionError("; ".join(problems))
    proven = mf.sign * (st.upper if st.settled else st.lower)
    return _result("OPTIMAL" if st.settled else "FEASIBLE", st.best, proven, seconds)


def _as_solution(mf: MinForm, plan: np.ndarray) -> AssignmentSolution:
    return AssignmentSolution([None if i == mf.nobody else int(i) for i in plan], 0)
