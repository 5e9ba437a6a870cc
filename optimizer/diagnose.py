"""Why no plan exists: the smallest set of hard-rule groups (and pinned decisions) that cannot all hold.

Called when the first tier of `solve` is proven INFEASIBLE. The model is rebuilt exactly as
the solve built it, except that every guarded family of hard rules sits under one literal per
group (`BuildContext.guard`), named in domain words with the data rows it involves; then
`conflicts.smallest_conflict` finds the assumption core and shrinks it by deletion. A
time-out is never reported as a conflict: the diagnosis then says it could not decide.

Shortages are soft in this product (unhoused people, unsampled residents, late cases, cut
lifelines are penalties), so on an instance that passes `validate` the rules alone always
leave a plan; what can make one impossible is a decision fixed from outside (a pin) against
the hard rules. docs/diagnosis.md lists the families and why each is or is not guarded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from models.config import SolveConfig
from models.instance import Instance
from optimizer.conflicts import smallest_conflict
from optimizer.context import BuildContext, RuleGroup
from optimizer.modules import MODULES

GROUP_WORDS: dict[str, tuple[str, str]] = {
    # family (the group name's first word) -> (zh, en), what the planner calls the rule
    "isolation.rooms": ("隔离点房间容量", "rooms of an isolation site (current occupants stay)"),
    "isolation.one_room_each": ("一人一间（陪护同住）", "one person per room, a carer with the person cared for"),
    "isolation.categories_apart": ("不同类别人员不混住", "categories kept apart in a site"),
    "isolation.transfer_seats": ("闭环转运座位", "closed-loop transfer seats a day"),
    "isolation.site_staff": ("隔离点医护及工作人员配备", "isolation site staff per shift"),
    "isolation.allowed_categories": ("隔离点收治类别", "categories a site takes"),
    "staff.cover": ("共享人员池配备", "staff from the shared pool for a duty block"),
    "staff.one_block_a_day": ("每人每日一个班次", "one duty block per person a day"),
    "sampling.tubes_to_labs": ("样本限时送检", "tubes to labs with results in time"),
    "sampling.lab_capacity": ("实验室日检测能力", "a lab's tubes per day"),
    "sampling.desks": ("采样点台数上限", "desks a sampling site can hold"),
    "roads.seal_exits": ("封控区出口关闭或设卡", "every exit of a sealed zone closed or checkpointed"),
    "roads.one_checkpoint_per_section": ("同一路段同向仅设一个卡口", "one checkpoint per road section and direction"),
    "supply.stock": ("物资库存", "a source's stock"),
    "supply.fleet": ("车辆运力", "a source's trucks"),
    "supply.transfer_station": ("接驳点交接能力", "a transfer station's hand-over per day"),
    "supply.last_mile": ("封控区末端配送人员", "last-mile delivery staff of a sealed township"),
    "tracing.duty_hours": ("流调人员每日工时", "an investigator's hours a day"),
    "pin": ("锁定的决定", "a pinned decision"),
}


def words(name: str, lang: str = "zh") -> str:
    """The planner's words for a group: `隔离点房间容量` for `isolation.rooms site S03 day 0`."""
    family = name.split(" ", 1)[0]
    zh, en = GROUP_WORDS.get(family, (family, family))
    return zh if lang == "zh" else en


@dataclass
class ConflictGroup:
    name: str  # isolation.rooms site S03 day 0
    rows: list[str]  # isolation_sites[2].rooms = 40, usable 40, occupants 38

    def to_dict(self) -> dict:
        return {"group": self.name, "rule_zh": words(self.name, "zh"), "rule_en": words(self.name, "en"),
                "rows": self.rows}


@dataclass
class Diagnosis:
    """`conflict`: the groups were found to conflict (`groups` the smallest set, `minimal` False
    if a deletion test ran out of time); `ungrouped`: the model is impossible with every group
    switched off (rules no group covers); `undecided`: no answer within `seconds`."""

    verdict: str  # "conflict" | "ungrouped" | "undecided"
    groups: list[ConflictGroup] = field(default_factory=list)
    minimal: bool = True
    seconds: float = 0.0
    guarded: int = 0  # rule groups in the rebuilt model

    def lines(self) -> list[str]:
        """The diagnosis as a planner reads it (English with the Chinese rule names)."""
        if self.verdict == "undecided":
            return [(f"diagnosis: undecided — no conflict among the {self.guarded} rule groups was proven within "
                     f"{self.seconds:.0f} s (a time-out is not taken as proof); run again with a longer --time-limit")]
        if self.verdict == "ungrouped":
            return [("diagnosis: the hard rules conflict even with every rule group switched off: the conflict lies "
                     "in rules no group covers (please report the instance)")]
        if len(self.groups) == 1:
            out = ["diagnosis: this one hard rule group cannot hold even alone (the data rows below):"]
        else:
            out = [(f"diagnosis: these {len(self.groups)} hard rule groups cannot all hold; relax any one of them "
                    "(the data rows below) and the rest can:")]
        for k, g in enumerate(self.groups, start=1):
            out.append(f"  {k}. {words(g.name, 'zh')} ({words(g.name, 'en')}): {g.name}")
            out += [f"       {r}" for r in g.rows]
        if not self.minimal:
            out.append("  (some deletion tests ran out of time: a group above may not be needed for the conflict)")
        return out

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "minimal": self.minimal, "seconds": round(self.seconds, 2),
                "rule_groups": self.guarded, "conflict": [g.to_dict() for g in self.groups]}


Extra = Callable[[BuildContext, dict], None]
"""Adds other decisions fixed from outside after the modules built: (ctx, section -> module
vars). They guard themselves with `ctx.guard(lambda: ("pin …", rows))` like the rule families."""


def diagnose(instance: Instance, config: SolveConfig | None = None, pins: list | None = None,
             extra: Extra | None = None, seconds: float | None = None) -> Diagnosis:
    """Rebuild the model with its hard rules by group and name the smallest set that conflicts.

    `pins` (models.choices.Pin, as `solve(pins=)` takes them): each pinned row is one more switch
    (optimizer.pins), so a conflict names pinned rows and rule groups together. `seconds`
    (default: the config's time limit) bounds the whole diagnosis."""
    config = config or SolveConfig()
    budget = config.time_limit_s if seconds is None else seconds
    t0 = time.perf_counter()
    ctx = BuildContext.new(instance, config.seed, diagnosing=True)
    built = [(name, module, module.build(ctx)) for name, module in MODULES]
    ctx.pool.finalize()
    if pins:
        _add_pins(ctx, built, pins)
    if extra is not None:
        extra(ctx, {name: mvars for name, _, mvars in built})
    switches = {name: g.literal for name, g in ctx.groups.items()}
    left = max(1.0, budget - (time.perf_counter() - t0))
    # the first solve gets half: the deletion tests together take at most as long again
    conflict = smallest_conflict(ctx.model, switches, seconds=left / 2, seed=config.seed)
    spent = time.perf_counter() - t0
    if conflict is None:
        return Diagnosis("undecided", seconds=spent, guarded=len(switches))
    if not conflict.names:
        return Diagnosis("ungrouped", seconds=spent, guarded=len(switches))
    groups = [ConflictGroup(n, list(ctx.groups[n].rows)) for n in conflict.names]
    return Diagnosis("conflict", groups, conflict.minimal, spent, len(switches))


def _add_pins(ctx: BuildContext, built: list, pins: list) -> None:
    """The pinned rows as rule groups `pin <where>`, with what they pin and the data they meet."""
    from optimizer.pins import add_pins, describe, facts

    pinset = add_pins(ctx, built, pins)
    by_where = {p.where: p for p in pins}
    for where, literal in pinset.switches.items():
        pin = by_where[where]
        name = f"pin {where}"
        rows = ["pinned " + "; ".join(describe(ctx.instance, k, v) for k, v in pin.choices)] + facts(ctx.instance, pin)
        ctx.groups[name] = RuleGroup(name, rows, literal)
