"""Lower bounds on the cost of any assignment, and the pairs they prove useless.

Every bound is computed on the minimisation form (:class:`MinForm`): a ``max`` problem's
values are negated, and a task that may stay unassigned gets a "nobody" agent with no
capacity use whose cost is the penalty. Two bounds:

* the LP relaxation (HiGHS), whose task duals start the next one;
* the Lagrangian relaxation of "each task exactly once" (one knapsack per agent),
  improved by subgradient steps. It is the strong one for tight capacities.

From the Lagrangian multipliers, :func:`flip_losses` gives per pair the least cost
increase of any plan that uses it against the knapsack choice; a pair whose increase
exceeds ``target - bound`` cannot be in a plan costing at most ``target``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import NamedTuple

import highspy
import numpy as np

from optimizer.assignment import AssignmentProblem
from optimizer.assignment_knapsack import best_bundle, flip_losses
from optimizer.cpsat_mip import quiet_highs

log = logging.getLogger(__name__)

# Relative tolerance on float bounds: a bound must stay valid, so it is shaded by this much.
EPS = 1e-7
STRETCH = 25  # subgradient steps over which the bound must still rise to go on (after twice as many)


@dataclass(frozen=True, eq=False)
class MinForm:
    """The problem as "minimise sum of cost over chosen pairs"; row ``nobody`` (if any) means unassigned."""

    cost: np.ndarray
    load: np.ndarray
    cap: np.ndarray
    allowed: np.ndarray
    sign: int
    nobody: int | None

    @classmethod
    def of(cls, problem: AssignmentProblem) -> MinForm:
        sign = 1 if problem.sense == "min" else -1
        cost, load, allowed = sign * problem.cost_matrix, problem.load_matrix, problem.allowed_mask
        cap = np.asarray(problem.capacities, dtype=np.int64)
        nobody = None
        pen = problem.unassigned_penalty
        if pen is not None and any(p is not None for p in pen):
            nobody = problem.num_agents
            # penalties are paid in either sense, so they keep their sign in the min form
            row = np.array([p or 0 for p in pen], dtype=np.int64)
            cost = np.vstack([cost, row])
            load = np.vstack([load, np.zeros_like(row)])
            allowed = np.vstack([allowed, [p is not None for p in pen]])
            cap = np.append(cap, 0)
        return cls(cost, load, cap, allowed, sign, nobody)

    @property
    def shape(self) -> tuple[int, int]:
        return self.cost.shape

    def value(self, agent_of: np.ndarray) -> int:
        """Min-form cost of a full plan given as one agent row per task."""
        return int(self.cost[agent_of, np.arange(len(agent_of))].sum())


class LpBound(NamedTuple):
    value: float
    task_price: np.ndarray


def lp_bound(mf: MinForm) -> LpBound | None:
    """LP relaxation; None when it is infeasible (then no plan exists) or HiGHS gives up."""
    a, n = mf.shape
    rows, cols = np.nonzero(mf.allowed)
    k = len(rows)
    if k == 0:
        return None
    # column (i, j): 1 in task row j, load in capacity row n + i (the nobody row is capacity-free)
    index = np.empty(2 * k, dtype=np.int32)
    value = np.empty(2 * k)
    index[0::2], value[0::2] = cols, 1.0
    index[1::2], value[1::2] = n + rows, mf.load[rows, cols]
    h = quiet_highs()
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = k, n + a
    lp.col_cost_ = mf.cost[rows, cols].astype(float)
    lp.col_lower_, lp.col_upper_ = np.zeros(k), np.ones(k)
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(a, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.ones(n), mf.cap.astype(float)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * k + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_, lp.a_matrix_.value_ = index, value
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        log.debug("LP relaxation: %s", h.modelStatusToString(h.getModelStatus()))
        return None
    duals = np.array(h.getSolution().row_dual[:n])
    return LpBound(h.getInfo().objective_function_value, duals)


class LagrangianBound(NamedTuple):
    """Best multipliers found: bound value, task prices, and each agent's bundle under them."""

    value: float
    price: np.ndarray
    bundles: np.ndarray


def _dual_value(mf: MinForm, price: np.ndarray) -> tuple[float, np.ndarray]:
    a, n = mf.shape
    bundles = np.zeros((a, n), dtype=bool)
    total = float(price.sum())
    for i in range(a):
        profit = np.where(mf.allowed[i], price - mf.cost[i], -1.0)
        best = best_bundle(profit, mf.load[i], int(mf.cap[i]))
        bundles[i] = best.taken
        total -= best.value
    return total, bundles


def lagrangian_bound(mf: MinForm, price: np.ndarray, aim: float, enough: float = np.inf,
                     iterations: int = 150, patience: int = 5, deflection: float = 0.5) -> LagrangianBound:
    """Deflected subgradient ascent on task prices, with Polyak steps towards ``aim`` (an estimate above the optimum).

    Stops at ``enough`` (a bound that already settles the problem), when the bundles form
    a plan, after ``iterations``, or once the step has shrunk 1000-fold (halved after
    ``patience`` steps without progress). Deterministic: no clock is read.
    """
    price = np.asarray(price, dtype=float).copy()
    value, bundles = _dual_value(mf, price)
    best = LagrangianBound(value, price.copy(), bundles)
    step, stall = 1.0, 0
    direction = np.zeros_like(price)
    history = [best.value]
    for it in range(iterations):
        if best.value >= enough:
            break
        # costs are integers: once the bound creeps up by less than a thousandth of a unit
        # over a stretch, more steps would not change which pairs survive
        if it >= 2 * STRETCH and best.value - history[it - STRETCH] < 1e-3:
            break
        excess = 1.0 - bundles.sum(axis=0)
        if not excess.any():
            break  # the bundles form a plan: the bound is exact
        # deflection (Camerini, Fratta & Maffioli) damps the zig-zag of plain subgradient steps
        direction = excess + deflection * direction
        norm = float(direction @ direction)
        if aim <= value:
            aim = value + max(1.0, 0.005 * abs(value))  # the estimate was too low: raise it
        price = price + step * (aim - value) / norm * direction
        value, bundles = _dual_value(mf, price)
        if value > best.value + 1e-9:
            best, stall = LagrangianBound(value, price.copy(), bundles), 0
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2, 0
                if step < 1e-3:
                    break
        history.append(best.value)
    return best


def valid_floor(value: float) -> float:
    """Shade a float bound downwards so rounding noise cannot make it invalid."""
    return value - EPS * max(1.0, abs(value))


def pair_losses(mf: MinForm, price: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: in the agent's best bundle under ``price``, and least cost increase of flipping it."""
    a, n = mf.shape
    taken = np.zeros((a, n), dtype=bool)
    loss = np.full((a, n), np.inf)
    for i in range(a):
        taken[i], loss[i] = flip_losses(price - mf.cost[i], mf.load[i], int(mf.cap[i]), mf.allowed[i])
    return taken, loss


def surviving_pairs(mf: MinForm, taken: np.ndarray, loss: np.ndarray, slack: float) -> np.ndarray:
    """Pairs that can appear in a plan costing at most bound + ``slack``.

    A pair outside its agent's best bundle survives when its flip loss fits the slack; a
    pair inside it whose removal would not fit makes that agent the only one for its task.
    """
    tol = EPS * max(1.0, abs(slack))
    keep = mf.allowed & (taken | (loss <= slack + tol))
    forced = mf.allowed & taken & (loss > slack + tol)
    tasks = forced.any(axis=0)
    keep[:, tasks] = forced[:, tasks]
    return keep
