"""A greedy road plan as the solver's first hint, staffed from the pool's shared ledger.

Everything blockable starts closed; each lifeline with no open signature opens its smallest
one (lifting requests, turning seal exits into checkpoints) unless that breaks the
one-checkpoint-per-section rule; each sealed zone then gets its guarded exits; checkpoints
the ledger cannot staff close again, least needed first. Only a hint: feasible, not optimal.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from optimizer.context import BuildContext

if TYPE_CHECKING:
    from optimizer.roads import RoadVars


def _opener(v: RoadVars, opened: set[str], per_section: dict):
    """Open arcs (lift requests, checkpoint exits) within the one-checkpoint-per-section rule."""
    arcs = v.rules.arcs

    def can_open(sig) -> bool:
        extra: dict[tuple[str, str], int] = defaultdict(int)
        for a in sig:
            if a not in opened and v.is_exit(a):
                extra[arcs[a].section, arcs[a].direction] += 1
        return all(per_section[k] + n <= 1 for k, n in extra.items())

    def open_all(sig) -> None:
        for a in sig:
            if a not in opened:
                opened.add(a)
                if v.is_exit(a):
                    per_section[arcs[a].section, arcs[a].direction] += 1

    return can_open, open_all


def warm_start(ctx: BuildContext, v: RoadVars) -> None:
    model, rp = ctx.model, ctx.instance.policy.roads
    ledger = ctx.pool.ledger()
    for d in v.days:
        opened: set[str] = set()
        per_section: dict[tuple[str, str], int] = defaultdict(int)
        needed: dict[str, int] = defaultdict(int)  # arc -> lifelines relying on it

        can_open, open_all = _opener(v, opened, per_section)
        for r in v.routes:
            if r.kind != "signatures":
                continue
            if any(sig <= opened for sig in r.signatures):
                continue
            for sig in r.signatures:  # smallest first
                if can_open(sig):
                    open_all(sig)
                    for a in sig:
                        needed[a] += 1
                    break
        for seal in v.rules.sealed:
            exits = v.exits_of(seal)
            want = min(rp.seal_exit_checkpoints, len(exits))
            for a in exits:
                if sum(1 for e in exits if e in opened) >= want:
                    break
                if a not in opened and can_open({a}):
                    open_all({a})
        # staff the checkpoints township by township; close the least needed ones that cannot be staffed
        by_town: dict[str, list[str]] = defaultdict(list)
        for a in sorted(opened):
            if v.is_exit(a):
                by_town[v.rules.exits[a]].append(a)
        for town, cps in sorted(by_town.items()):
            cps.sort(key=lambda a: (-needed[a], a))
            blocks = [b for (day, t, _), b in sorted(v.blocks.items()) if day == d and t == town]
            while cps:
                got = []
                for b in blocks:
                    g = ledger.take(b, rp.checkpoint_crew * len(cps))
                    if g is None:
                        break
                    got.append(g)
                if len(got) == len(blocks):
                    break
                for g in got:
                    ledger.give_back(g)
                opened.discard(cps.pop())
        for a in v.blockable:
            model.add_hint(v.closed[a, d], 0 if a in opened else 1)
        for r in v.routes:
            lid = r.lifeline.id
            if r.kind != "signatures":
                continue
            ok = False
            for k, sig in enumerate(r.signatures):
                lit = v.use[lid, k, d]
                on = sig <= opened
                ok = ok or on
                if len(sig) > 1:
                    model.add_hint(lit, int(on))
            model.add_hint(v.cut[lid, d], int(not ok))
        for (seal, day), gap in v.seal_gap.items():
            if day == d:
                want = min(rp.seal_exit_checkpoints, len(v.exits_of(seal)))
                have = sum(1 for a in v.exits_of(seal) if a in opened)
                model.add_hint(gap, max(0, want - have))
