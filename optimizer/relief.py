"""The smallest relief of a shortage line's binding resource: which resource, where, how many units.

A shortage line names its binding resource in words (the modules' diagnosis functions write
them, e.g. `rooms: ISO005, ISO008 full`); here each such phrase is read back into a resource
(`rooms at ISO005`, `epidemiologists in T03`, `lab tubes at LAB2` …), the lines naming the same
resource are grouped, and the relief is sized from their shortage:

- rooms: the most people of the group's cohorts without a room on any one day, at the nearest
  always-open site allowed to take them (a reserve needs activation and time, not rooms);
- desks: the desk-shifts the unsampled residents need, at the first full site named;
- staff: person-shifts short ÷ one shift a person a day (sampling: 2 samplers + 1 registrar per
  missing desk-shift; tracing: the late cases' workload in person-days, per role);
- lab tubes, stock: the tubes or units short; vehicles, bus seats: one more truck or bus per
  load short, at least one.

`patch` applies a relief to a copy of the instance (re-validated). Lines whose binding is a rule
(no site within walking range, a lifeline, categories kept apart …) get no relief: only the
rule's owner can lift it, and a re-solve would show nothing.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from models.instance import Instance
from models.plan import Plan, Shortage
from optimizer.isolation_rules import (
    NONMEDICAL,
    always_open,
    days_held,
    may_house,
    release_day,
    staff_needed,
    transfer_min,
)
from optimizer.roads_rules import checkpoint_shifts
from optimizer.sampling_rules import desk_shift_capacity
from optimizer.supply_rules import person_days_per_unit
from optimizer.tracing_rules import it_hub, workload_min

KIND_SKILL = {"doctors": "doctor", "nurses": "nurse"}  # isolation_diagnosis.KIND_WORDS, back to skills
SKILL_WORDS = {"epidemiologist": ("epidemiologist", "epidemiologists"), "police": ("police officer", "police officers"),
               "it": ("IT supporter", "IT supporters"), "checkpoint_guard": ("checkpoint guard", "checkpoint guards"),
               "grid_worker": ("grid worker", "grid workers"),
               "delivery": ("delivery worker", "delivery workers")}
ROLE_WORDS = {"epidemiologists": "epidemiologist", "police officers": "police", "IT supporters": "it"}


@dataclass
class Relief:
    """Units of one resource to add, and the shortage lines (indexes into plan.shortages) it addresses."""

    kind: str  # rooms, staff, lab_tubes, desks, vehicles, stock, transfer_seats
    target: str  # site, lab, source, depot or township id
    units: dict[str, int]  # staff: skill -> people; stock: commodity -> units; else {"": units}
    unit: str
    lines: list[int] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.kind, self.target, tuple(sorted(self.units)))

    @property
    def total(self) -> int:
        return sum(self.units.values())

    def words(self) -> str:
        """The relief in the planner's words, e.g. `+12 rooms at ISO005`."""
        if self.kind == "staff":
            parts = [f"+{n} {skill_word(s, n)}" for s, n in sorted(self.units.items())]
            return " and ".join(parts) + f" living in {self.target}"
        if self.kind == "stock":
            (c, n), = self.units.items()
            return f"+{n} {self.unit} of {c} in stock at {self.target}"
        one, many = {"rooms": ("room", "rooms"), "lab_tubes": ("tube a day", "tubes a day"), "desks": ("desk", "desks"),
                     "vehicles": ("truck", "trucks"), "transfer_seats": ("transfer bus", "transfer buses")}[self.kind]
        where = "of capacity at" if self.kind == "lab_tubes" else "at"
        return f"+{self.total} {one if self.total == 1 else many} {where} {self.target}"

    def resource(self) -> str:
        """The resource itself (a Bottlenecks row), without the amount."""
        if self.kind == "staff":
            return " and ".join(skill_word(s, 2) for s in sorted(self.units)) + f" in {self.target}"
        if self.kind == "stock":
            return f"stock of {next(iter(self.units))} at {self.target}"
        noun = {"rooms": "rooms", "lab_tubes": "lab tubes", "desks": "desks", "vehicles": "trucks",
                "transfer_seats": "transfer buses"}[self.kind]
        return f"{noun} at {self.target}"


def skill_word(skill: str, n: int) -> str:
    one, many = SKILL_WORDS.get(skill, (skill, skill + "s"))
    return one if n == 1 else many


def _ids(text: str) -> list[str]:
    """Ids of a diagnosis list `A, B, +3` (the truncation marker dropped)."""
    return [p.strip() for p in text.split(",") if p.strip() and not p.strip().startswith("+")]


def propose(inst: Instance, plan: Plan) -> tuple[list[Relief], list[int]]:
    """Reliefs for the plan's shortage lines, grouped by resource (critical lines' groups first,
    then by shortage in critical-tier units, largest first), and the lines no relief addresses."""
    reliefs, unaddressed = group(inst, plan.shortages)
    reliefs.sort(key=lambda r: (-sum(weight(inst, plan.shortages[i]) for i in r.lines if
                                    plan.shortages[i].tier == "critical"),
                                -sum(weight(inst, plan.shortages[i]) for i in r.lines), r.key))
    return reliefs, unaddressed


def group(inst: Instance, shortages: list[Shortage]) -> tuple[list[Relief], list[int]]:
    """Reliefs of these lines, one per resource (sized, `lines` indexing `shortages`), and the
    indexes of the lines whose binding is no resource."""
    groups: dict[tuple, Relief] = {}
    unaddressed: list[int] = []
    for i, line in enumerate(shortages):
        r = _relief_of(inst, line)
        if r is None:
            unaddressed.append(i)
            continue
        r.lines.append(i)
        if r.key in groups:
            _merge(groups[r.key], r)
        else:
            groups[r.key] = r
    reliefs = [_sized(inst, [shortages[i] for i in r.lines], r) for r in groups.values()]
    return [r for r in reliefs if r.total > 0], unaddressed


def weight(inst: Instance, line: Shortage) -> float:
    """A line's shortage in its tier's units (docs/architecture.md's exchange rates): a cohort's
    people for their days without a room, goods in person-days (medical ×10), an on-call team
    short for a shift in weighted team-hours, other units as they are."""
    if line.module == "isolation" and line.unit == "people":
        c = inst.by_id("cohorts").get(line.entity)
        if c is not None:
            return line.quantity * len(days_held(inst, c.day, release_day(inst, c)))
    if line.module == "supply":  # person-days per unit, as supply._add_objective counts them
        c = inst.by_id("commodities").get(line.entity)
        if c is not None:
            w = inst.policy.supply.medical_weight if line.tier == "critical" and c.tier == "medical_critical" else 1
            return line.quantity * max(1, round(person_days_per_unit(c) * w))
    if line.module == "tracing" and line.unit == "teams":
        return line.quantity * inst.policy.tracing.on_call_gap_weight * inst.policy.tracing.shift_hours
    return line.quantity


def _merge(into: Relief, other: Relief) -> None:
    into.lines += other.lines


def _relief_of(inst: Instance, line: Shortage) -> Relief | None:
    """The resource a line's binding phrase names (units still unsized), or None for a rule."""
    b = line.binding_resource
    if line.module == "isolation":
        if line.unit == "people" and b.startswith(("rooms:", "reserves ready too late")):
            site = _nearest_room_site(inst, line.entity)
            return Relief("rooms", site, {"": 0}, "rooms") if site else None
        if b.startswith("transfer capacity"):
            return Relief("transfer_seats", "", {"": 0}, "buses")
        m = re.match(r"(doctors|nurses|non-medical staff) free on the plan date within commuting range of (\S+)", b)
        if m:
            return Relief("staff", m.group(2), {_site_skill(inst, m.group(1)): 0}, "people")
        m = re.match(r"site staff on the plan date .* within commuting range of (.*)", b)
        if m:
            town = _ids(m.group(1))[0]
            return Relief("staff", town, {"doctor": 0, "nurse": 0, _site_skill(inst, "non-medical staff"): 0}, "people")
        return None
    if line.module == "sampling":
        m = re.match(r"trained samplers/registrars within commuting range of (.*)", b)
        if m:
            return Relief("staff", _ids(m.group(1))[0], {"sampler": 0, "registrar": 0}, "people")
        m = re.match(r"desks: every site in walking range is at its maximum \((.*)\)", b)
        if m:
            return Relief("desks", _ids(m.group(1))[0], {"": 0}, "desks")
        m = re.match(r"lab tubes: (.*) at daily capacity", b)
        if m:
            return Relief("lab_tubes", _ids(m.group(1))[0], {"": 0}, "tubes")
        return None
    if line.module == "tracing":
        roles = re.findall(r"(epidemiologists|police officers) within commuting range of ([^;]+)", b)
        if roles:
            return Relief("staff", roles[0][1].strip(), {ROLE_WORDS[r]: 0 for r, _ in roles}, "people")
        m = re.match(r"investigators rested only from \S+ within commuting range of (\S+)", b)
        if m:
            return Relief("staff", m.group(1), {"epidemiologist": 0, "police": 0}, "people")
        m = re.match(r"IT support on duty in district (\S+)", b)
        if m:
            return Relief("staff", it_hub(inst, m.group(1)), {"it": 0}, "people")
        if b.startswith("epidemiologists and police officers free for the whole shift"):
            return Relief("staff", _most_staffed(inst, "epidemiologist"), {"epidemiologist": 0, "police": 0}, "people")
        return None
    if line.module == "roads":
        m = re.match(r"checkpoint guards within commuting range of (\S+):", b)
        if m:
            return Relief("staff", m.group(1), {"checkpoint_guard": 0}, "people")
        m = re.match(r"checkpoint guards within commuting range of (\S+) taken by other duties", b)
        if m:
            return Relief("staff", m.group(1), {"checkpoint_guard": 0}, "people")
        return None
    if line.module == "supply":
        m = re.match(r"stock of (\S+) used up at (.*)", b)
        if m:
            return Relief("stock", _ids(m.group(2))[0], {m.group(1): 0}, _unit(inst, m.group(1)))
        m = re.match(r"last-mile delivery staff within commuting range of (\S+)", b)
        if m:
            return Relief("staff", m.group(1), {"delivery": 0}, "people")
        m = re.match(r"trucks at (\S+) fully used", b) or re.match(r"trucks: capacity and shift hours used up \((\S+)\)", b)
        if m:
            return Relief("vehicles", m.group(1), {"": 0}, "trucks")
        return None
    return None


def _unit(inst: Instance, commodity: str) -> str:
    c = inst.by_id("commodities").get(commodity)
    return c.unit if c is not None else "units"


def _site_skill(inst: Instance, kind_words: str) -> str:
    if kind_words in KIND_SKILL:
        return KIND_SKILL[kind_words]
    role = inst.policy.isolation.nonmedical_roles[0]
    return inst.policy.staff.role_skills.get(role, [role])[0]


def _most_staffed(inst: Instance, skill: str) -> str:
    counts: dict[str, int] = defaultdict(int)
    for p in inst.staff:
        if skill in p.skills:
            counts[p.home_township] += 1
    return max(sorted(counts), key=counts.get) if counts else inst.townships[0].id


def _nearest_room_site(inst: Instance, cohort_id: str | None) -> str | None:
    """The always-open site nearest the cohort's pick-up point that may take it (category,
    transfer reach): where one more room houses its people soonest."""
    c = inst.by_id("cohorts").get(cohort_id)
    if c is None:
        return None
    sites = [s for s in inst.isolation_sites if always_open(s) and may_house(inst, c.origin, c.category, s)]
    if not sites:
        return None
    return min(sites, key=lambda s: (transfer_min(inst, c.origin, s), s.id)).id


def _sized(inst: Instance, lines: list[Shortage], r: Relief) -> Relief:
    """The relief's units, from the shortage of its lines."""
    if r.kind == "rooms":
        need: dict[int, float] = defaultdict(float)  # day -> people of the group's cohorts without a room
        for x in lines:
            c = inst.by_id("cohorts")[x.entity]
            for d in days_held(inst, c.day, release_day(inst, c)):
                need[d] += x.quantity
        r.units = {"": math.ceil(max(need.values(), default=0))}
    elif r.kind == "desks":
        r.units = {"": _desk_shifts(inst, sum(x.quantity for x in lines))}
    elif r.kind == "lab_tubes":
        r.units = {"": math.ceil(sum(_tubes(inst, x) for x in lines))}
    elif r.kind == "stock":
        (c,), n = r.units, math.ceil(sum(x.quantity for x in lines))
        r.units = {c: n}
    elif r.kind == "vehicles":  # the day with the most kilograms short: a truck's load each
        kg: dict[str, float] = defaultdict(float)
        for x in lines:
            day = re.search(r" on (\d{4}-\d\d-\d\d)", x.what)
            kg[day.group(1) if day else ""] += x.quantity * _unit_kg(inst, x.entity)
        biggest = max((v.capacity_kg for v in inst.vehicles if v.kind == "truck" and v.depot == r.target), default=0)
        r.units = {"": max(1, math.ceil(max(kg.values()) / biggest)) if biggest else 0}
    elif r.kind == "transfer_seats":
        people = sum(x.quantity for x in lines)
        seats = max((v.seats for v in inst.vehicles if v.kind == "transfer_bus"), default=0)
        r.units = {"": max(1, math.ceil(people / seats)) if seats else 0}
    elif r.kind == "staff":
        r.units = _staff_units(inst, r, lines)
    return r


def _staff_units(inst: Instance, r: Relief, lines: list[Shortage]) -> dict[str, int]:
    skills = set(r.units)
    if skills == {"sampler", "registrar"}:
        desk_shifts = _desk_shifts(inst, sum(x.quantity for x in lines))
        crew = inst.policy.sampling.crew_per_desk
        return {"sampler": desk_shifts * crew.get("sampler", 2), "registrar": desk_shifts * crew.get("registrar", 1)}
    if skills & {"epidemiologist", "police"}:
        cases = inst.by_id("cases")
        work = sum(workload_min(inst, cases[x.entity]) for x in lines if x.entity in cases)
        teams = sum(x.quantity for x in lines if x.unit == "teams")
        day = 60 * _typical_hours(inst, next(iter(sorted(skills))), r.target)
        n = max(1, math.ceil(work / day) if work else 0, math.ceil(teams))
        return {s: n for s in skills}
    if skills == {"it"}:
        return {"it": 1}
    if skills == {"checkpoint_guard"}:
        rp = inst.policy.roads
        per_checkpoint = rp.checkpoint_crew * max(1, len(checkpoint_shifts(inst)))
        return {"checkpoint_guard": per_checkpoint * math.ceil(sum(x.quantity for x in lines))}
    if skills == {"delivery"}:
        kg = sum(x.quantity * _unit_kg(inst, x.entity) for x in lines)
        return {"delivery": max(1, math.ceil(kg / inst.policy.supply.last_mile_kg_per_worker))}
    if {"doctor", "nurse"} <= skills:  # day-0 site staff for the people placed: per 50 and shift, every shift
        need = staff_needed(inst, math.ceil(sum(x.quantity for x in lines)))
        shifts = inst.policy.isolation.shifts_per_day
        other = next(iter(skills - {"doctor", "nurse"}), None)
        return {"doctor": need["doctor"] * shifts, "nurse": need["nurse"] * shifts,
                **({other: need[NONMEDICAL] * shifts} if other else {})}
    (skill,) = skills  # isolation site staff: person-shifts short, one shift a person a day
    return {skill: math.ceil(sum(x.quantity for x in lines))}


def _typical_hours(inst: Instance, skill: str, township: str) -> int:
    hours = [p.hours_per_day for p in inst.staff if skill in p.skills and p.home_township == township] or \
            [p.hours_per_day for p in inst.staff if skill in p.skills] or [8]
    return sorted(hours)[len(hours) // 2]


def _desk_shifts(inst: Instance, people: float) -> int:
    """Desk-shifts that sample these people within the wait limit (the busiest shift's capacity)."""
    best = max((desk_shift_capacity(inst.policy, s) for s in inst.policy.sampling.shifts), default=0)
    return math.ceil(people / best) if best else 0


def _tubes(inst: Instance, line: Shortage) -> float:
    from optimizer.sampling_rules import tubes_for

    g = inst.by_id("grids").get(line.entity)
    return tubes_for(inst, g, int(line.quantity)) if g is not None else line.quantity


def _unit_kg(inst: Instance, commodity: str | None) -> float:
    c = inst.by_id("commodities").get(commodity)
    return c.unit_weight_kg if c is not None else 1.0


def patch(inst: Instance, relief: Relief | list[Relief]) -> Instance:
    """A copy of the instance with the relief (or reliefs, together) added, re-validated."""
    data = inst.model_dump(mode="json")
    for r in relief if isinstance(relief, list) else [relief]:
        _add(data, r)
    return Instance.model_validate(data)


def _add(data: dict, r: Relief) -> None:
    n = r.total
    if r.kind == "rooms":
        _entity(data["isolation_sites"], r.target)["rooms"] += n
    elif r.kind == "desks":
        _entity(data["sampling_sites"], r.target)["max_desks"] += n
    elif r.kind == "lab_tubes":
        _entity(data["labs"], r.target)["daily_tube_capacity"] += n
    elif r.kind == "stock":
        (c, k), = r.units.items()
        stock = _entity(data["sources"], r.target)["stock"]
        row = next((s for s in stock if s["commodity"] == c), None)
        if row is None:
            stock.append({"commodity": c, "quantity": k})
        else:
            row["quantity"] += k
    elif r.kind == "vehicles":
        trucks = [v for v in data["vehicles"] if v["kind"] == "truck" and v["depot"] == r.target]
        _clone(data["vehicles"], max(trucks, key=lambda v: (v["capacity_kg"], v["cold_chain"], v["id"])), n, "plate")
    elif r.kind == "transfer_seats":
        buses = [v for v in data["vehicles"] if v["kind"] == "transfer_bus"]
        _clone(data["vehicles"], max(buses, key=lambda v: (v["seats"], v["id"])), n, "plate")
    elif r.kind == "staff":
        for skill, k in sorted(r.units.items()):
            data["staff"] += _new_staff(data["staff"], skill, r.target, k)


def _entity(rows: list[dict], ident: str) -> dict:
    return next(x for x in rows if x["id"] == ident)


def _clone(rows: list[dict], template: dict, n: int, label: str) -> None:
    for k in range(1, n + 1):
        row = dict(template, id=f"{template['id']}+{k}")
        row[label] = f"{template[label]}+{k}"
        rows.append(row)


def _new_staff(staff: list[dict], skill: str, township: str, n: int) -> list[dict]:
    """n fresh people of one skill living in the township: rested, no days worked in a row, no
    closed-loop site, with the hours of a colleague of that skill."""
    like = [p for p in staff if skill in p["skills"] and p["home_township"] == township] or \
           [p for p in staff if skill in p["skills"]]
    hours = sorted(p["hours_per_day"] for p in like)[len(like) // 2] if like else 8
    taken = {p["id"] for p in staff}  # two reliefs together may add the same skill in the same township
    fresh: list[str] = []
    k = 0
    while len(fresh) < n:
        k += 1
        if f"CF-{skill}-{township}-{k}" not in taken:
            fresh.append(f"CF-{skill}-{township}-{k}")
    return [{"id": i, "name": f"+{skill} {k}", "skills": [skill], "home_township": township, "hours_per_day": hours}
            for k, i in enumerate(fresh, start=1)]


__all__ = ["Relief", "group", "patch", "propose", "weight"]
