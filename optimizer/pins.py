"""Pins (`solve --pin plan.xlsx`): a planner's fixed rows, kept as hard rules, or named when
they make the rest impossible.

Each pinned row gets one switch (an enforcement literal) under which its decisions hold
(optimizer.decisions); the switches are fixed on for the solve. Shortages stay soft, so pins only
make the model impossible when they contradict a hard rule (more people pinned into a site than
its rooms, two categories that must not mix pinned to one site on one day, a person pinned to a
case they may not take); then `optimizer.conflicts.smallest_conflict` names the fewest rows
that cannot hold together, each with the facts that bind it.

A cohort pinned to a site keeps at least its people there: the model decides rooms per arrival
group (cohorts alike), so pins of one group at one site add up (`at_least`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from ortools.sat.python import cp_model

from models.choices import Key, Pin, Value, day_date
from models.instance import Instance
from models.io import InputError
from optimizer.conflicts import smallest_conflict
from optimizer.context import BuildContext
from optimizer.decisions import Decision, decisions

NOTHING = ("", 0)


@dataclass
class PinSet:
    pins: list[Pin]
    switches: dict[str, cp_model.IntVar]  # pin.where -> its switch
    decisions: list[Decision] = field(default_factory=list)

    def fix(self, on: bool) -> None:
        """Switches fixed on (for the solve) or free again (to diagnose)."""
        for lit in self.switches.values():
            lit.proto.domain[0] = 1 if on else 0


def pin_problems(instance: Instance, pins: list[Pin]) -> list[str]:
    """`where: message` for each pinned decision naming something the instance lacks."""
    has = {k: instance.by_id(k) for k in ("sampling_sites", "grids", "townships", "labs", "cases", "staff",
                                          "cohorts", "isolation_sites", "road_arcs", "sources", "commodities")}
    shifts = {s.name for s in instance.policy.sampling.shifts}
    dates = {day_date(instance.plan_date, d)
             for d in range(max(instance.policy.roads.horizon_days, instance.policy.isolation.horizon_days))}
    need = {"site": [("sampling_sites", 1)], "desks": [("sampling_sites", 1)], "grid": [("grids", 1)],
            "tubes": [("townships", 1), ("labs", 2)], "case": [("cases", 1)], "start": [("cases", 1)],
            "cohort": [("cohorts", 1), ("isolation_sites", 2)], "activate": [("isolation_sites", 1)],
            "arc": [("road_arcs", 1)], "ship": [("sources", 1), ("townships", 2), ("commodities", 3)]}
    words = {"sampling_sites": "sampling site", "grids": "grid", "townships": "township", "labs": "lab",
             "cases": "case", "staff": "staff member", "cohorts": "cohort", "isolation_sites": "isolation site",
             "road_arcs": "road arc", "sources": "supply source", "commodities": "commodity"}
    out = []
    for pin in pins:
        for key, value in pin.choices:
            lacks = [f"{words[c]} {key[i]}" for c, i in need[key[0]] if key[i] not in has[c]]
            if key[0] == "desks" and key[2] not in shifts:
                lacks.append(f"sampling shift {key[2]}")
            if key[0] == "grid" and value and value not in has["sampling_sites"]:
                lacks.append(f"sampling site {value}")
            if key[0] == "case" and value and value not in has["staff"]:
                lacks.append(f"staff member {value}")
            if key[0] in ("arc", "ship") and key[-1] not in dates:
                lacks.append(f"date {key[-1]} in its horizon")
            if key[0] == "arc" and value not in ("open", "checkpoint", "closed"):
                out.append(f"{pin.where}: arc status {value!r} is not open, checkpoint or closed")
            out += [f"{pin.where}: the instance has no {x}" for x in lacks]
    return out


def add_pins(ctx: BuildContext, built: list, pins: list[Pin]) -> PinSet:
    """Each pinned row's decisions under its own switch; InputError for a pin the model cannot
    express (a decision this instance does not have)."""
    problems = pin_problems(ctx.instance, pins)
    if problems:
        raise InputError(problems)
    model = ctx.model
    switches: dict[str, cp_model.IntVar] = {}
    floors: dict[Key, list] = defaultdict(list)  # at_least decisions of several rows add up
    out: list[Decision] = []
    for pin in pins:
        choices = dict(pin.choices)
        ds = decisions(ctx, built, choices, every=False)
        covered = {k for d in ds for k in d.covers}
        for key, value in pin.choices:
            if key not in covered and value not in NOTHING and not (key[0] == "arc" and value == "open"):
                problems.append(f"{pin.where}: {describe(ctx.instance, key, value)} is not a decision this "
                                f"instance leaves open ({_why_fixed(key)})")
        if not ds:
            continue
        lit = switches[pin.where] = model.new_bool_var(f"pin[{pin.where}]")
        for d in ds:
            if d.at_least:
                floors[d.key].append((d, lit))
            else:
                d.pin(model, lit)
        out += ds
    for rows in floors.values():
        d = rows[0][0]
        model.add(sum(dd.value * lit for dd, lit in rows) <= d.expr)
    if problems:
        raise InputError(problems)
    return PinSet(pins, switches, out)


def _why_fixed(key: Key) -> str:
    return {"arc": "only seal exits and requested closures can be closed",
            "ship": "the source is not among the township's nearest with stock, a truck and time",
            "tubes": "the lab does not return results in time for that township",
            "start": "the case is not traced by this model today"}.get(key[0], "not in the model")


def describe(instance: Instance, key: Key, value: Value) -> str:
    """A pinned decision in the planner's words."""
    kind = key[0]
    if kind == "site":
        return f"sampling site {key[1]} {'open' if value else 'closed'}"
    if kind == "desks":
        return f"{value} desks at sampling site {key[1]} in shift {key[2]}"
    if kind == "grid":
        return f"grid {key[1]} → {'no site' if not value else 'site ' + str(value)}"
    if kind == "tubes":
        return f"{value} tubes from {key[1]} to lab {key[2]}"
    if kind == "case":
        return f"case {key[1]} {key[2]} → {value or 'nobody'}"
    if kind == "start":
        return f"case {key[1]} starts at {value}"
    if kind == "cohort":
        c = instance.by_id("cohorts").get(key[1])
        day = (date.fromisoformat(day_date(instance.plan_date, c.day)) - instance.plan_date).days if c else 0
        return f"cohort {key[1]} ({value} people) → site {key[2]} on day {day}"
    if kind == "activate":
        return f"reserve site {key[1]} {'activated' if value else 'not activated'}"
    if kind == "arc":
        return f"arc {key[1]} {value} on {key[2]}"
    return f"{value} {key[3]} from {key[1]} to {key[2]} on {key[4]}"


def facts(instance: Instance, pin: Pin) -> list[str]:
    """The data a pinned row runs into, for the conflict message."""
    out = []
    for key, value in pin.choices:
        if key[0] == "cohort":
            s = instance.by_id("isolation_sites").get(key[2])
            if s is not None:
                out.append(f"site {s.id} has {s.rooms} rooms" + (", a reserve" if s.reserve else ""))
        elif key[0] == "case" and value:
            p = instance.by_id("staff").get(str(value))
            if p is not None:
                out.append(f"{p.id} works at most {p.hours_per_day} h a day")
        elif key[0] == "desks":
            s = instance.by_id("sampling_sites").get(key[1])
            if s is not None:
                out.append(f"site {s.id} has at most {s.max_desks} desks")
        elif key[0] == "ship":
            src = instance.by_id("sources").get(key[1])
            stock = sum(st.quantity for st in src.stock if st.commodity == key[3]) if src else 0
            out.append(f"{key[1]} holds {stock} {key[3]}")
    return sorted(set(out))


def conflict_lines(ctx: BuildContext, pinset: PinSet, seconds: float, seed: int) -> list[str]:
    """The fewest pinned rows that cannot hold together, in the planner's words; [] when no set
    of pins is to blame (the rules outside the pins conflict) or none was found in time."""
    pinset.fix(False)
    try:
        found = smallest_conflict(ctx.model, pinset.switches, seconds=seconds, seed=seed)
    finally:
        pinset.fix(True)
    if found is None or not found.names:
        return []
    by_where = {p.where: p for p in pinset.pins}

    def said(where: str) -> str:
        p = by_where[where]
        return f"{where}: pinned " + "; ".join(describe(ctx.instance, k, v) for k, v in p.choices)

    names = found.names
    data = sorted({f for n in names for f in facts(ctx.instance, by_where[n])})
    tail = f" ({'; '.join(data)})" if data else ""
    if len(names) == 1:
        lines = [f"{said(names[0])} cannot hold with the hard rules{tail}"]
    else:
        lines = [f"{said(names[0])} conflicts with pinned {', '.join(names[1:])}{tail}"]
        lines += [said(n) for n in names[1:]]
    if not found.minimal:
        lines.append("(the search ran out of time: a row above may not be needed for the conflict)")
    return lines
