"""Roads (DOMAIN.md §5): seal what must be sealed, staff the checkpoints, keep the lifelines.

A status per arc per day (open, checkpoint, closed). Only blockable arcs get variables:
seal exits (closed or checkpoint) and requested closures (closed or lifted). Every other arc
is open: closing it or checkpointing it only costs (penalty, guards) and can never help a
rule, so fixing it open loses no optimal plan (`RoadRules.blockable`).

Rules, one function each:
- `add_seal_exits` (hard): every arc leaving a sealed zone is closed or checkpointed;
- `add_expressway_mainline` (hard): no closure or checkpoint on a mainline arc;
- `add_checkpoint_per_section` (hard): at most one checkpoint per section and direction;
- `add_checkpoint_crews` (hard): `checkpoint_shifts` × `checkpoint_crew` guards per checkpoint
  per day from the staff pool (role checkpoint_guard);
- `add_seal_exit_checkpoints` (soft, critical `roads.seal_checkpoint_gap`): each sealed zone
  keeps `seal_exit_checkpoints` staffed exits (only one way in and out, guarded);
- `add_lifeline_connectivity` (soft, critical `roads.lifelines_cut`): each lifeline keeps a
  qualifying route within budget — path generation with a proof (`roads_routes`);
- `add_requested_closures` (soft, routine `roads.lifted_requests`: requested closures lifted;
  cost `roads.unneeded_closures`: closures no seal requires, at `closure_penalty`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimizer.context import BuildContext
from optimizer.pool import Block
from optimizer.roads_routes import LifelineRoutes, lifeline_routes
from optimizer.roads_rules import (
    RoadRules,
    checkpoint_shifts,
    has_roads,
    is_mainline,
    road_rules,
)

SCALE = 100  # minutes → hundredths of a minute in the flow fallback's time budget
WARM_ORDER = 5  # warm starts take staff from the shared ledger in this order (optimizer/solve.py): the seal
# exits' checkpoint crews before supply's last-mile staff and sampling's crews. Last (the default), they found
# the guards taken and the demo's warm start left the sealed township's exit unguarded (1,000 critical units),
# which only the first tier's module groups repaired, when their slice allowed: with one worker (seed 3) the
# plan kept it unguarded (critical 1,447,241, routine gap 6.3 %; now 1,446,180 and 1.7 %)


@dataclass
class RoadVars:
    rules: RoadRules
    days: list[int]
    blockable: list[str]
    closed: dict[tuple[str, int], cp_model.IntVar]  # (arc, day) -> closed
    routes: list[LifelineRoutes]
    use: dict[tuple[str, int, int], cp_model.LinearExprT] = field(default_factory=dict)  # (lifeline, k, day)
    cut: dict[tuple[str, int], cp_model.LinearExprT] = field(default_factory=dict)  # (lifeline, day)
    seal_gap: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    unsealable: list[str] = field(default_factory=list)  # mainline arcs leaving a sealed zone (input conflict)
    blocks: dict[tuple[int, str, int], Block] = field(default_factory=dict)  # (day, township, shift) -> block

    def is_exit(self, arc: str) -> bool:
        return arc in self.rules.exits

    def checkpoint(self, arc: str, day: int) -> cp_model.LinearExprT:
        """1 if the arc is a checkpoint that day (only seal exits are ever checkpointed)."""
        return 1 - self.closed[arc, day] if self.is_exit(arc) and (arc, day) in self.closed else 0

    def exits_of(self, seal: str) -> list[str]:
        return [a for a in self.blockable if self.rules.exits.get(a) == seal]


def build(ctx: BuildContext) -> RoadVars | None:
    """Add the road module to the shared model; None for an instance without roads."""
    inst = ctx.instance
    if not has_roads(inst):
        return None
    rules = road_rules(inst)
    days = list(range(inst.policy.roads.horizon_days))
    blockable = rules.blockable()
    closed = {(a, d): ctx.model.new_bool_var(f"closed[{a},{d}]") for a in blockable for d in days}
    bset = frozenset(blockable)
    routes = [lifeline_routes(inst, rules, lf, bset) for lf in sorted(inst.lifelines, key=lambda x: x.id)]
    v = RoadVars(rules, days, blockable, closed, routes)
    add_seal_exits(ctx, v)
    add_expressway_mainline(ctx, v)
    add_checkpoint_per_section(ctx, v)
    add_checkpoint_crews(ctx, v)
    add_seal_exit_checkpoints(ctx, v)
    add_lifeline_connectivity(ctx, v)
    add_requested_closures(ctx, v)
    return v


def add_seal_exits(ctx: BuildContext, v: RoadVars) -> None:
    """Hard: every arc leaving a sealed zone is closed or checkpointed.

    Structural: a seal exit's only variable is `closed`; not closed means checkpoint, never open."""


def add_expressway_mainline(ctx: BuildContext, v: RoadVars) -> None:
    """Hard: no closure or checkpoint on an expressway mainline (toll-plaza exits only).

    Structural: mainline arcs are never blockable. A mainline arc that leaves a sealed zone
    (an input whose expressway has no toll exits there) cannot be sealed; it is reported."""
    v.unsealable = sorted(a for a in v.rules.exits if is_mainline(v.rules.arcs[a]))


def add_checkpoint_per_section(ctx: BuildContext, v: RoadVars) -> None:
    """Hard: at most one checkpoint per road section per direction per day."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in v.blockable:
        if v.is_exit(a):
            arc = v.rules.arcs[a]
            groups[arc.section, arc.direction].append(a)
    for (section, direction), arcs in sorted(groups.items()):
        if len(arcs) > 1:
            for d in v.days:
                ctx.enforce(ctx.model.add(sum(v.checkpoint(a, d) for a in arcs) <= 1), lambda d=d, arcs=arcs: (
                    f"roads.one_checkpoint_per_section {section} {direction} day {d}",
                    [f"{ctx.where('road_arcs', a)} (section {section}, {direction})" for a in arcs]))


def checkpoint_township(v: RoadVars, arc: str) -> str:
    return v.rules.exits[arc]


def add_checkpoint_crews(ctx: BuildContext, v: RoadVars) -> None:
    """Hard: a checkpoint is staffed around the clock, `checkpoint_shifts` shifts of
    `checkpoint_crew` guards, drawn from the staff pool in the township it stands in."""
    rp = ctx.instance.policy.roads
    by_town: dict[str, list[str]] = defaultdict(list)
    for a in v.blockable:
        if v.is_exit(a):
            by_town[checkpoint_township(v, a)].append(a)
    for d in v.days:
        for town, arcs in sorted(by_town.items()):
            for s, (start, end) in enumerate(checkpoint_shifts(ctx.instance)):
                b = v.blocks[d, town, s] = Block(d, start, end, town, "checkpoint_guard", "roads")
                ctx.pool.staff(b, rp.checkpoint_crew * sum(v.checkpoint(a, d) for a in arcs))


def add_seal_exit_checkpoints(ctx: BuildContext, v: RoadVars) -> None:
    """Soft (critical): each sealed zone keeps `seal_exit_checkpoints` staffed exits a day, so
    ambulances and authorised vehicles can leave; a missing one is a shortage."""
    rp = ctx.instance.policy.roads
    for seal in v.rules.sealed:
        exits = v.exits_of(seal)
        want = min(rp.seal_exit_checkpoints, len(exits))
        for d in v.days:
            if want == 0:
                continue
            gap = v.seal_gap[seal, d] = ctx.model.new_int_var(0, want, f"seal_gap[{seal},{d}]")
            ctx.model.add(sum(v.checkpoint(a, d) for a in exits) + gap >= want)
    ctx.add_term("critical", "roads.seal_checkpoint_gap",
                 rp.seal_checkpoint_gap_weight * sum(v.seal_gap.values()))


def add_lifeline_connectivity(ctx: BuildContext, v: RoadVars) -> None:
    """Soft (critical): every lifeline keeps a route of open or checkpointed arcs within its
    time budget that enters no sealed zone it does not serve; `cut` = 1 otherwise.

    Exact: some recorded signature (the blockable arcs of a qualifying route) is fully open,
    and the signatures are complete (`roads_routes`); past the search cap, an arc flow."""
    model = ctx.model
    for r in v.routes:
        lid = r.lifeline.id
        for d in v.days:
            if r.kind == "free":
                v.cut[lid, d] = 0
                continue
            if r.kind == "impossible":
                v.cut[lid, d] = 1
                continue
            cut = model.new_bool_var(f"lifeline_cut[{lid},{d}]")
            v.cut[lid, d] = cut
            if r.kind == "signatures":
                lits = []
                for k, sig in enumerate(r.signatures):
                    if len(sig) == 1:
                        lit = v.closed[next(iter(sig)), d].Not()
                    else:
                        lit = model.new_bool_var(f"lifeline_route[{lid},{k},{d}]")
                        for a in sorted(sig):
                            model.add_implication(lit, v.closed[a, d].Not())
                    v.use[lid, k, d] = lit
                    lits.append(lit)
                model.add_bool_or([*lits, cut])
            else:
                _add_flow(ctx, v, r, d, cut)
    ctx.add_term("critical", "roads.lifelines_cut",
                 ctx.instance.policy.roads.lifeline_cut_weight * sum(v.cut.values()))


def _add_flow(ctx: BuildContext, v: RoadVars, r: LifelineRoutes, d: int, cut) -> None:
    """A unit flow from source to seat over the ellipse's arcs, within the budget: exact,
    since a unit flow of total time ≤ budget contains a path of time ≤ budget."""
    model, arcs = ctx.model, v.rules.arcs
    lid = r.lifeline.id
    x = {a: model.new_bool_var(f"lifeline_flow[{lid},{a},{d}]") for a in r.ellipse}
    balance: dict[str, list] = defaultdict(list)
    for a, var in x.items():
        balance[arcs[a].tail].append(var)
        balance[arcs[a].head].append(-var)
        if (a, d) in v.closed:
            model.add_implication(var, v.closed[a, d].Not())
    nodes = set(balance) | {r.source, r.target}
    for n in sorted(nodes):
        net = sum(balance.get(n, []))
        want = (1 - cut) if n == r.source else (cut - 1) if n == r.target else 0
        model.add(net == want)
    model.add(sum(round(arcs[a].free_flow_min * SCALE) * var for a, var in x.items())
              <= r.lifeline.time_budget_min * SCALE)


def add_requested_closures(ctx: BuildContext, v: RoadVars) -> None:
    """Soft: a closure a township requested is kept unless it would cut a lifeline (routine
    `roads.lifted_requests` counts lifted requests per day); every closure no seal requires
    costs `closure_penalty` (cost `roads.unneeded_closures`: no 一刀切)."""
    lifted, unneeded = [], []
    for a in v.blockable:
        for d in v.days:
            if a in v.rules.requested:
                lifted.append(1 - v.closed[a, d])
            if not v.is_exit(a):
                unneeded.append(v.closed[a, d])
    ctx.add_term("routine", "roads.lifted_requests", sum(lifted))
    ctx.add_term("cost", "roads.unneeded_closures", ctx.instance.policy.roads.closure_penalty * sum(unneeded))


from optimizer.roads_extract import extract
from optimizer.roads_warm import warm_start

__all__ = ["RoadVars", "build", "extract", "warm_start"]
