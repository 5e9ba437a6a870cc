"""Reduced-cost fixing from the strong LP relaxation: what a plan at least as good as a known one may use.

Rule: at an optimal LP basis with objective z, every feasible plan costs at least
z + rc_k for each column k it moves off the LP's bound by one (reduced costs of the
assignment x_ij and open y_j columns; all such terms are non-negative, so one column
alone already lifts the bound by its own rc_k). A plan costing at most ``upper`` can
therefore only use arcs and open sites with z + rc_k <= upper. On the tight Holmberg
instances the LP keeps about a third of the arcs and on some half the sites, which
shrinks every re-packing sub-MIP and the final proof's model. The incumbent itself
always passes (its cost is ``upper``), so heuristics and the proof keep a feasible plan.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.facility_mip import build_mip, highs_lp
from optimizer.facility_problem import FacilityProblem, FacilitySolution


@dataclass(frozen=True)
class LpRelaxation:
    """Optimum of the strong LP relaxation and what moving each column costs from there."""

    objective: float
    open_level: np.ndarray     # y_j in the LP optimum
    open_reduced: np.ndarray   # rc of y_j (positive: opening a closed site costs that much)
    arc_reduced: np.ndarray    # clients x sites rc of x_ij; inf where the pair is not a column


def lp_relaxation(p: FacilityProblem) -> LpRelaxation | None:
    """Solve the strong LP relaxation (``build_mip(integral=False)``) with HiGHS; None if it fails."""
    from optimizer.cpsat_mip import quiet_highs  # creates HiGHS without its banner on stdout

    import highspy

    mm = build_mip(p, integral=False)
    h = quiet_highs()
    h.passModel(highs_lp(mm.model))
    h.setOptionValue("threads", 1)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol = h.getSolution()
    value, reduced = np.asarray(sol.col_value), np.asarray(sol.col_dual)
    arc = np.full((p.num_clients, p.num_sites), np.inf)
    arc[mm.arc_client, mm.arc_site] = reduced[mm.x]
    return LpRelaxation(float(h.getInfo().objective_function_value), value[mm.y], reduced[mm.y], arc)


def usable_arcs(p: FacilityProblem, lp: LpRelaxation, upper: float) -> np.ndarray:
    """Clients x sites mask of pairs a plan costing at most ``upper`` may use.

    A pair is out when its own reduced cost, or that of opening its site, lifts the LP
    bound above ``upper``. The tolerance absorbs HiGHS's dual feasibility tolerance
    summed over the columns (1e-6 relative is far above it and far below one cost unit).
    """
    slack = upper - lp.objective + 1e-6 * max(1.0, abs(upper))
    site_ok = lp.open_reduced <= slack
    return (lp.arc_reduced <= slack) & site_ok[None, :]


def project(plan: FacilitySolution, idx: np.ndarray) -> FacilitySolution:
    """A plan of the full problem in the numbering of the sub-problem on sites ``idx``."""
    new = {int(j): k for k, j in enumerate(idx)}
    return FacilitySolution(sorted(new[j] for j in plan.open_sites),
                            [{new[j]: q for j, q in a.items()} for a in plan.assignment],
                            list(plan.unserved), plan.objective)


def lift(plan: FacilitySolution, idx: np.ndarray) -> FacilitySolution:
    """A sub-problem plan back in the full problem's site numbering (same cost)."""
    return FacilitySolution(sorted(int(idx[k]) for k in plan.open_sites),
                            [{int(idx[k]): q for k, q in a.items()} for a in plan.assignment],
                            list(plan.unserved), plan.objective)
