"""The shared, counted part of tracing: the 24-hour on-call rota and district IT support.

Both are duty blocks of the staff pool (people counted by group, rostered after the solve),
one block per shift of `policy.tracing.shift_hours` from 00:00:

- on call (快反小组24小时备勤): in every shift at least `on_call_teams` teams of one
  epidemiologist and one police officer stand by, free of any case. A team busy with a case
  cannot drop it for a new report, so on-call teams are dedicated blocks, not idle gaps of
  the case teams. A shift left short is never infeasible but a critical penalty of
  `on_call_gap_weight` per team-hour, in hours of case lateness (default 50: a team is taken
  off the rota only when no one else could stand by, never to trace a few cases sooner).
- IT support (大数据支撑), shared per district: a case starts only in a shift in which its
  district has an IT supporter on duty, one per `it_cases_per_shift` cases starting then.
  Without one the case waits (or is not traced today), so a lack of IT shows as lateness.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from models.instance import TracingCase
from optimizer.context import BuildContext
from optimizer.pool import Block, fills_role
from optimizer.tracing_rules import can_fill, district_of, duty_limits, it_hub

MAX_ON_CALL_BASES = 8
"""On-call teams stand by in the townships where most investigators live (travel 0 for them)."""


@dataclass
class RotaVars:
    shifts: list[tuple[int, int]]
    on_call: dict[tuple[str, int], cp_model.IntVar]  # (township, shift) -> teams on call there
    on_call_gap: list[cp_model.IntVar]  # per shift: teams short of the policy minimum
    it: dict[tuple[str, int], cp_model.IntVar]  # (district, shift) -> IT supporters on duty
    it_hub: dict[str, str]  # district -> township its IT support works from
    starts_in: dict[tuple[int, int], cp_model.IntVar]  # (case, shift) -> the case starts in it


def block(shift: tuple[int, int], township: str, role: str) -> Block:
    return Block(0, shift[0] / 60, shift[1] / 60, township, role, "tracing")


class Supply:
    """People who could take a tracing block if nobody else needed them (the pool's
    `eligible_supply`, over the groups that hold the role only: a city has ~10^4 groups)."""

    def __init__(self, ctx: BuildContext):
        self.ctx = ctx
        self.groups: dict[str, list] = {}

    def __call__(self, b: Block) -> int:
        inst = self.ctx.instance
        if b.role not in self.groups:
            self.groups[b.role] = [g for g in self.ctx.pool.groups if fills_role(g.skills, b.role, inst)]
        return sum(len(g.members) for g in self.groups[b.role] if self.ctx.pool.offers(g, b))

    def people(self, b: Block) -> list:
        """The eligible people themselves, in id order."""
        self(b)
        return sorted((p for g in self.groups[b.role] if self.ctx.pool.offers(g, b) for p in g.members),
                      key=lambda p: p.id)


def on_call_bases(ctx: BuildContext) -> list[str]:
    """Townships whose residents can form on-call teams, most investigators first."""
    inst = ctx.instance
    homes: Counter = Counter()
    for p in inst.staff:
        if duty_limits(inst, p, p.home_township) is None:
            continue
        for role in ("epidemiologist", "police"):
            if can_fill(inst, p, role):
                homes[p.home_township, role] += 1
    towns = {t for t, _ in homes}
    score = {t: min(homes[t, "epidemiologist"], homes[t, "police"]) + 1e-3 * (homes[t, "epidemiologist"] +
                                                                              homes[t, "police"]) for t in towns}
    return sorted(sorted(towns, key=lambda t: (-score[t], t))[:MAX_ON_CALL_BASES])


def add_on_call_rota(ctx: BuildContext, sh: list[tuple[int, int]]
                     ) -> tuple[dict[tuple[str, int], cp_model.IntVar], list[cp_model.IntVar]]:
    """Soft (critical): every hour of day 0 has `on_call_teams` free teams on call."""
    need = ctx.instance.policy.tracing.on_call_teams
    model, pool = ctx.model, ctx.pool
    teams: dict[tuple[str, int], cp_model.IntVar] = {}
    gaps = []
    bases = on_call_bases(ctx) if need else []
    supply = Supply(ctx)
    for s, shift in enumerate(sh):
        here = []
        for t in bases:
            most = min(need, *(supply(block(shift, t, r)) for r in ("epidemiologist", "police")))
            if most == 0:
                continue
            n = teams[t, s] = model.new_int_var(0, most, f"on_call[{t},{s}]")
            for role in ("epidemiologist", "police"):
                pool.staff(block(shift, t, role), n)
            here.append(n)
        gap = model.new_int_var(0, need, f"on_call_gap[{s}]")
        model.add(sum(here) + gap >= need)
        gaps.append(gap)
    weight = ctx.instance.policy.tracing.on_call_gap_weight
    ctx.add_term("critical", "tracing.on_call_gap", sum(weight * ((b - a) // 60) * g for (a, b), g in zip(sh, gaps)))
    return teams, gaps


def add_it_support(ctx: BuildContext, cases: list[TracingCase], sh: list[tuple[int, int]],
                   start: list, traced: list, window: list[tuple[int, int]]
                   ) -> tuple[dict, dict, dict]:
    """Hard: a case starts in a shift in which its district has IT support on duty,
    one supporter per `it_cases_per_shift` cases starting in that shift."""
    inst, model, pool = ctx.instance, ctx.model, ctx.pool
    per = inst.policy.tracing.it_cases_per_shift
    starts_in: dict[tuple[int, int], cp_model.IntVar] = {}
    by_shift: dict[tuple[str, int], list] = defaultdict(list)
    for i, c in enumerate(cases):
        lo, hi = window[i]  # start window if traced
        options = []
        for s, (a, b) in enumerate(sh):
            if lo < b and hi >= a:
                y = starts_in[i, s] = model.new_bool_var(f"starts_in[{c.id},{s}]")
                model.add(start[i] >= a).only_enforce_if(y)
                model.add(start[i] <= b - 1).only_enforce_if(y)
                by_shift[district_of(inst, c.township), s].append(y)
                options.append(y)
        model.add(sum(options) == traced[i])
    hubs = {d: it_hub(inst, d) for d, _ in by_shift}
    supply = Supply(ctx)
    it: dict[tuple[str, int], cp_model.IntVar] = {}
    for (d, s), ys in sorted(by_shift.items()):
        b = block(sh[s], hubs[d], "it")
        most = min(supply(b), -(-len(ys) // per))
        n = it[d, s] = model.new_int_var(0, most, f"it[{d},{s}]")
        if most:
            pool.staff(b, n)
        model.add(per * n >= sum(ys))
    return starts_in, it, hubs
