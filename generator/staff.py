"""The staff pool, sized from the work of the day (DOMAIN.md "The staff pool").

Sampling crews dominate: a sampler does one shift, and a desk samples
`desk_shift_capacity` people in a 6-hour shift with 2 samplers, so samplers ≈ people to
sample ÷ 351 (DOMAIN.md: population ÷ 360 for a full round); registrars ≈ half of that.
Tracing teams (epidemiologist + police) follow the cases' workload, checkpoint guards the
sealed zone's exits, drivers the vehicles, delivery the sealed households. Closed-loop
doctors, nurses and helpers live at the active isolation sites (Zhengzhou: 2 + 2 per 50
isolated per shift). Homes follow population; a few people are multi-skilled.
"""

from __future__ import annotations

import math
import random
from itertools import accumulate

from generator import names
from generator.geography import Town
from models.instance import IsolationSite, StaffMember, TracingCase
from models.policy import Policy
from optimizer.sampling_rules import desk_shift_capacity

# Skill sets per role family, with their shares.
MIXES = {
    "sampling": [(["sampler"], 0.55), (["nurse", "sampler"], 0.15), (["nurse"], 0.18), (["doctor"], 0.07),
                 (["registrar", "sampler"], 0.05)],
    "registrar": [(["registrar"], 0.85), (["it", "registrar"], 0.05), (["grid_worker", "registrar"], 0.1)],
    "tracing": [(["epidemiologist"], 0.8), (["doctor", "epidemiologist"], 0.2)],
    "police": [(["police"], 0.7), (["checkpoint_guard", "police"], 0.3)],
    "it": [(["it"], 1.0)],
    "guard": [(["checkpoint_guard"], 0.8), (["checkpoint_guard", "driver"], 0.2)],
    "driver": [(["driver"], 0.85), (["delivery", "driver"], 0.15)],
    "delivery": [(["delivery"], 0.6), (["delivery", "grid_worker"], 0.4)],
    "grid": [(["grid_worker"], 0.7), (["delivery", "grid_worker"], 0.3)],
    "relief": [(["relief"], 1.0)],
    "medical": [(["doctor"], 0.4), (["nurse"], 0.6)],
}


def staff_plan(towns: list[Town], people_to_sample: int, cases: list[TracingCase], exits: int,
               vehicles: int, grids: int, districts: int, policy: Policy) -> dict[str, int]:
    """Head count per role family (non-closed-loop) from the day's work."""
    sp = policy.sampling
    per_sampler = desk_shift_capacity(policy, max(sp.shifts, key=lambda s: s.hours)) / sp.crew_per_desk["sampler"]
    samplers = math.ceil(1.12 * people_to_sample / per_sampler)
    tp = policy.tracing
    team_hours = sum(tp.interview_min_per_case + c.estimated_contacts * tp.notify_min_per_contact
                     for c in cases) / 60
    teams = math.ceil(team_hours / 8 * 1.3) + 3 * tp.on_call_teams
    sealed_households = sum(round(t.population / 2.6) for t in towns if t.sealed)
    guards = policy.roads.checkpoint_crew * policy.roads.checkpoint_shifts * (exits + 2)
    plan = {
        "sampling": samplers, "registrar": math.ceil(samplers / 2), "tracing": max(teams, 2 * districts),
        "police": max(teams, 2 * districts) + exits * 2, "it": 2 * districts, "guard": guards,
        "driver": math.ceil(1.3 * vehicles), "delivery": math.ceil(sealed_households / 150),
        "grid": math.ceil(0.12 * grids), "medical": math.ceil(0.03 * samplers) + 10,
    }
    plan["relief"] = math.ceil(0.05 * sum(plan.values()))
    return plan


def make_staff(towns: list[Town], plan: dict[str, int], sites: list[IsolationSite], policy: Policy,
               rng: random.Random) -> list[StaffMember]:
    ids = [t.id for t in towns]
    cum = list(accumulate(t.population for t in towns))
    out: list[StaffMember] = []

    def add(skills: list[str], home: str, closed_loop: str | None = None) -> None:
        days = rng.choices(range(8), (12, 14, 14, 14, 14, 14, 5, 3))[0]
        if closed_loop:
            hours, last = 8, (None if days == 0 else rng.choice((-16, -8, 0)))
        else:
            hours = rng.choices((8, 10, 12), (0.35, 0.35, 0.3))[0]
            last = None if days == 0 else rng.choices((-8, -5, -1), (0.45, 0.43, 0.12))[0]
        out.append(StaffMember(id=f"S{len(out) + 1:05d}", name=names.person(rng), skills=skills, home_township=home,
                               hours_per_day=hours, days_in_row=days, last_shift_end_hour=last,
                               closed_loop_site=closed_loop, phone=names.phone(rng)))

    for family in sorted(plan):
        mix = MIXES[family]
        for _ in range(plan[family]):
            skills = rng.choices([m[0] for m in mix], [m[1] for m in mix])[0]
            add(list(skills), rng.choices(ids, cum_weights=cum)[0])
    ip = policy.isolation
    for s in sites:
        held = sum(o.people for o in s.occupants)
        if s.reserve or not held:
            continue
        medical = math.ceil(held / 50) * ip.medical_per_50 * ip.shifts_per_day
        for k in range(medical):
            add(["doctor"] if k % 2 == 0 else ["nurse"], s.township, s.id)
        for k in range(ip.nonmedical_per_site * ip.shifts_per_day):
            add([("police", "grid_worker", "relief", "driver")[k % 4]], s.township, s.id)
    return out
