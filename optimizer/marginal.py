"""Marginal values from the LP relaxation: what one more room at each isolation site buys.

The isolation module is built on its own (as its warm start builds it, optimizer/isolation_warm.py)
and read as a linear program (optimizer/cpsat_mip.py) minimising its critical total. A site's
rooms enter that model in three places: the right-hand side of its daily room balance, the upper
bounds of every (arrival group, site) room variable (a group's rooms there are at most the rooms
left on every day of its stay) and, as coefficients, the category and `used` rows. A row dual
sees only the first: on a hotel short by exactly 5 rooms it reads 0, where one more room is worth
a whole stay. So the LP's own sensitivity is measured directly: the LP is solved once as it is
and once per site with one more room (a group the site could not take at all may become a
candidate), and the difference is the room's value in person-days of the critical tier. It is a
value of the relaxation: exact there, a local rate (the first room, not the twentieth), and
blind to the other modules' claims on the staff pool. A site no group can reach gets 0.

Other resources (staff, desks, tubes, trucks, stock) sit in models whose LP relaxations are loose
or that HiGHS cannot read (intervals, routes); their values come from re-solves (optimizer/explain.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from models.instance import Instance
from optimizer.cpsat_mip import lp_solve, objective_of, proto_of

log = logging.getLogger(__name__)
TOLERANCE = 1e-6


@dataclass
class RoomValue:
    site: str
    value: float  # critical-tier units (person-days) one more room buys in the LP
    lp_critical: float  # the LP's critical total as the instance is


def lp_critical(inst: Instance) -> float | None:
    """The isolation module's critical total in its LP relaxation (None: nothing to place, or no
    LP optimum)."""
    from optimizer import isolation
    from optimizer.context import BuildContext

    ctx = BuildContext.new(inst)
    if isolation.build(ctx) is None:
        return None
    ctx.pool.finalize()
    objective, offset = objective_of(ctx.model, ctx.tier_objective("critical"))
    (found,) = lp_solve(proto_of(ctx.model), [objective])
    return None if found is None else found[1] + offset


def room_values(inst: Instance) -> list[RoomValue]:
    """One value per isolation site, LP with one more room less LP as it is; [] when the module
    has nothing to place or the LP has no optimum."""
    base = lp_critical(inst)
    if base is None:
        return []
    out = []
    for k, site in enumerate(inst.isolation_sites):
        sites = list(inst.isolation_sites)
        sites[k] = site.model_copy(update={"rooms": site.rooms + 1})
        more = lp_critical(inst.model_copy(update={"isolation_sites": sites}))
        if more is None:
            continue
        gain = base - more
        out.append(RoomValue(site.id, round(gain, 6) if gain > TOLERANCE else 0.0, base))
    return out
