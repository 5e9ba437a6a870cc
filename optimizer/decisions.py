"""A plan's decisions as expressions of the shared model: the one mapping baselines and pins use.

`decisions(ctx, built, choices, every)` lists, per module, a `Decision` for each choice the
model makes: its key (models/choices.py), the stakeholder it concerns, a label in the planner's
words, the model expression `expr` and the value `value` that expression takes when the given
plan's choice is kept. With `every` (a baseline) every decision of the model is listed, and a
choice the plan does not mention counts as "nothing" (a new case: not traced; a new grid: not
served); without it (pins) only the choices given are.

Choices among alternatives (a case's epidemiologist, a grid's site) become one literal: "the
plan's choice is kept" (`x[case, person] == 1`), or, when the plan chose nothing, "still
nothing" (`traced == 0`). A choice the model cannot make at all (a person no longer a candidate
for the case) is the constant 0 against 1: it is changed whatever the solve does.

What the model does not decide is not here: which named person fills a counted staff block
(the roster hands people out in id order after the solve), the delivery routes (a second stage
after the solve), and the isolation rooms of one cohort rather than of its arrival group (the
model decides rooms per group of cohorts alike; `at_least` makes a pinned cohort's people a
floor of its group's people at the site).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ortools.sat.python import cp_model

from models.choices import Key, Value, day_date
from optimizer.context import BuildContext


@dataclass
class Decision:
    key: Key
    module: str
    stakeholder: tuple[str, str]  # ("township" | "tracing_team" | "isolation_site", id)
    label: str
    expr: cp_model.LinearExprT | int
    value: int
    ub: int  # the largest |expr - value|
    read: Callable[[dict], Value]  # this decision in any plan's choices (old and new in the Changes sheet)
    hints: list[tuple[cp_model.IntVar, int]] = field(default_factory=list)  # variable values that realise it
    at_least: bool = False  # a pin keeps expr >= value rather than ==
    covers: list[Key] = field(default_factory=list)  # the choice keys it reads (default: [key])

    def __post_init__(self) -> None:
        self.covers = self.covers or [self.key]

    def changed(self, model: cp_model.CpModel) -> cp_model.LinearExprT | int:
        """1 when the solve departs from the plan's choice, else 0 (a Boolean or a constant)."""
        if isinstance(self.expr, int):
            return int(self.expr != self.value)
        if self.ub <= 1 and self.value in (0, 1):
            return self.expr if self.value == 0 else 1 - self.expr
        c = model.new_bool_var(f"changed[{'|'.join(self.key)}]")
        model.add(self.ub * c >= self.expr - self.value)
        model.add(self.ub * c >= self.value - self.expr)
        return c

    def pin(self, model: cp_model.CpModel, switch: cp_model.IntVar) -> None:
        """Hard while `switch` is on: the model keeps this decision."""
        if isinstance(self.expr, int):  # the model cannot make this choice at all
            if self.expr < self.value or self.expr != self.value and not self.at_least:
                model.add_bool_or([switch.Not()])
        elif self.at_least:
            model.add(self.expr >= self.value).only_enforce_if(switch)
        else:
            model.add(self.expr == self.value).only_enforce_if(switch)


def _get(key: Key, default: Value) -> Callable[[dict], Value]:
    return lambda ch: ch.get(key, default)


def sampling_decisions(ctx: BuildContext, v, choices: dict, every: bool) -> list[Decision]:
    """Sites opened, desks per shift, each grid's serving site, tubes per township and lab."""
    out: list[Decision] = []
    shifts = ctx.instance.policy.sampling.shifts
    index = {s.id: j for j, s in enumerate(v.sites)}
    for j, s in enumerate(v.sites):
        key = ("site", s.id)
        if every or key in choices:
            val = int(choices.get(key, 0))
            out.append(Decision(key, "sampling", ("township", s.township), f"sampling site {s.id} open",
                                v.fl.is_open(j), val, 1, _get(key, 0), [(v.fl.is_open(j), val)]))
        for t, sh in enumerate(shifts):
            key = ("desks", s.id, sh.name)
            if every and ("site", s.id) in choices or key in choices:
                val = int(choices.get(key, 0))
                x = v.staffed[j, t]
                out.append(Decision(key, "sampling", ("township", s.township), f"desks at {s.id}, {sh.name}",
                                    x, val, max(s.max_desks, val), _get(key, 0), [(x, min(val, s.max_desks))]))
    for i, g in enumerate(v.grids):
        key = ("grid", g.id)
        if not (every or key in choices):
            continue
        old = str(choices.get(key, ""))
        j = index.get(old)
        on = j if j is not None and j in v.walk[i] else None
        expr = v.fl.unserved(i) if not old else v.fl.assign(i, on) if on is not None else 0
        hints = []
        if on is not None or not old:  # a site out of reach has no variable to hint
            hints = [(x, int(j2 == on)) for j2 in v.walk[i] if not isinstance(x := v.fl.assign(i, j2), int)]
            if not isinstance(v.fl.unserved(i), int):
                hints.append((v.fl.unserved(i), int(on is None)))
        out.append(Decision(key, "sampling", ("township", g.township), f"grid {g.id} sampled at",
                            expr, 1, 1, _get(key, ""), hints))
    for (town, lab), x in sorted(v.flows.items()):
        key = ("tubes", town, lab)
        if every or key in choices:
            val = int(choices.get(key, 0))
            ub = max(val, _upper(x))
            out.append(Decision(key, "sampling", ("township", town), f"tubes from {town} to lab {lab}",
                                x, val, ub, _get(key, 0), [(x, min(val, _upper(x)))]))
    return out


def tracing_decisions(ctx: BuildContext, v, choices: dict, every: bool) -> list[Decision]:
    """Each case's epidemiologist and police officer, and when the team starts."""
    out: list[Decision] = []
    start0 = date.fromisoformat(ctx.instance.plan_date.isoformat())
    for i, c in enumerate(v.cases):
        team = f"case {c.id}"
        # a team the model cannot keep whole is hinted nowhere: keeping its police officer while
        # its epidemiologist is gone would hint the case traced and untraced at once
        whole = all(not choices.get(("case", c.id, role)) or (i, choices[("case", c.id, role)]) in table
                    for role, table in v.assign.items())
        for role, table in sorted(v.assign.items()):
            key = ("case", c.id, role)
            if not (every or key in choices):
                continue
            old = str(choices.get(key, ""))
            mine = {pid: x for (k, pid), x in table.items() if k == i}
            if old:
                expr = mine.get(old, 0)
                hints = [(x, int(pid == old)) for pid, x in mine.items()]
                if old in mine:
                    hints.append((v.untraced[i], 0))
            else:
                expr, hints = v.traced[i], [(x, 0) for x in mine.values()] + [(v.untraced[i], 1)]
            out.append(Decision(key, "tracing", ("tracing_team", c.id), f"{team}: {role}", expr,
                                1 if old else 0, 1, _get(key, ""), hints if whole else []))
        key = ("start", c.id)
        if key in choices:
            minutes = _minutes_since(start0, str(choices[key]))
            s = v.start[i]
            lo, hi = _bounds(s)
            ok = minutes is not None and lo <= minutes <= hi
            val = minutes if ok else lo
            out.append(Decision(key, "tracing", ("tracing_team", c.id), f"{team}: start", s if ok else 0,
                                val if ok else 1, max(hi - lo, 1), _get(key, ""), [(s, val)] if ok and whole else []))
    return out


def isolation_decisions(ctx: BuildContext, v, choices: dict, every: bool) -> list[Decision]:
    """People of each arrival group at each site (a group: cohorts alike, see optimizer.isolation),
    and the reserve sites activated."""
    out: list[Decision] = []
    for s, a in sorted(v.activated.items()):
        site = v.sites[s]
        key = ("activate", site.id)
        if every or key in choices:
            val = int(choices.get(key, 0))
            out.append(Decision(key, "isolation", ("isolation_site", site.id), f"reserve site {site.id} activated",
                                a, val, 1, _get(key, 0), [(a, val)]))
    index = {site.id: s for s, site in enumerate(v.sites)}
    for g, grp in enumerate(v.groups):
        ids = sorted(c.id for c in grp.cohorts)
        named = {k[2] for k in choices if k[0] == "cohort" and k[1] in ids}
        sites = sorted({v.sites[s].id for s in grp.sites} | named) if every else sorted(named)
        for site_id in sites:
            keys = [("cohort", cid, site_id) for cid in ids]
            if not every and not any(k in choices for k in keys):
                continue
            val = sum(int(choices.get(k, 0)) for k in keys)
            s = index.get(site_id)
            expr = v.people(g, s) if s is not None and (g, s) in v.rooms else 0
            hints = []
            if s is not None and (g, s) in v.rooms and not grp.carers:
                r = min(val, grp.room[s])
                hints = [(v.rooms[g, s], r), (v.used[g, s], int(r > 0))]
            out.append(Decision(
                ("cohorts", "+".join(ids), site_id), "isolation", ("isolation_site", site_id),
                f"cohort{'s' if len(ids) > 1 else ''} {', '.join(ids)} at {site_id}", expr, val,
                max(grp.people, val), _sum(keys), hints, at_least=not every, covers=keys))
    return out


def road_decisions(ctx: BuildContext, v, choices: dict, every: bool, dates: set[str] | None) -> list[Decision]:
    """Each blockable arc's status per day (closed, or open / checkpoint for a seal exit)."""
    out: list[Decision] = []
    nodes = ctx.instance.by_id("road_nodes")
    arcs = ctx.instance.by_id("road_arcs")
    for (a, d), x in sorted(v.closed.items()):
        when = day_date(ctx.instance.plan_date, d)
        key = ("arc", a, when)
        if not (key in choices or every and (dates is None or when in dates)):
            continue
        old = str(choices.get(key, "open"))
        val = int(old == "closed")
        town = nodes[arcs[a].tail].township
        out.append(Decision(key, "roads", ("township", town), f"arc {a} on {when}", x, val, 1,
                            _get(key, "open"), [(x, val)]))
    return out


def supply_decisions(ctx: BuildContext, v, choices: dict, every: bool, dates: set[str] | None) -> list[Decision]:
    """Units shipped per source, township, commodity and day."""
    out: list[Decision] = []
    for (src, town, com, d), x in sorted(v.ship.items()):
        when = day_date(ctx.instance.plan_date, d)
        key = ("ship", src, town, com, when)
        if not (key in choices or every and (dates is None or when in dates)):
            continue
        val = int(choices.get(key, 0))
        out.append(Decision(key, "supply", ("township", town), f"{com} from {src} to {town} on {when}", x, val,
                            max(val, _upper(x)), _get(key, 0), [(x, min(val, _upper(x)))]))
    return out


def decisions(ctx: BuildContext, built: list, choices: dict, every: bool,
              dates: set[str] | None = None) -> list[Decision]:
    """Every decision of the built modules (`built`: (section, module, vars) as in solve()) against
    `choices` (models.choices.plan_choices of a plan, or pinned rows). `dates`: the calendar dates
    the plan speaks for; day-indexed decisions outside them are left out of a baseline."""
    by_module = {"sampling": sampling_decisions, "tracing": tracing_decisions, "isolation": isolation_decisions}
    dated = {"roads": road_decisions, "supply": supply_decisions}
    out: list[Decision] = []
    for section, _, mvars in built:
        if mvars is None:
            continue
        if section in by_module:
            out += by_module[section](ctx, mvars, choices, every)
        elif section in dated:
            out += dated[section](ctx, mvars, choices, every, dates)
    return out


def _sum(keys: list[Key]) -> Callable[[dict], Value]:
    return lambda ch: sum(int(ch.get(k, 0)) for k in keys)


def _upper(x) -> int:
    return _bounds(x)[1] if hasattr(x, "proto") else int(x)


def _bounds(x) -> tuple[int, int]:
    domain = x.proto.domain  # (a proto's repeated field: no negative indexes)
    return int(domain[0]), int(domain[len(domain) - 1])


def _minutes_since(day0: date, text: str) -> int | None:
    """Minutes from 00:00 of `day0` to a `YYYY-MM-DDTHH:MM` time; None if unreadable."""
    try:
        d, hm = text.split("T")
        h, m = hm.split(":")
        return (date.fromisoformat(d) - day0).days * 1440 + int(h) * 60 + int(m)
    except ValueError:
        return None
