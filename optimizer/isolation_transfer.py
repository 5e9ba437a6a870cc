"""Closed-loop transfers (闭环转运): buses carry each day's arrivals point to point to their sites.

A bus makes `trips_per_day` round trips in its shift, each given the time of the longest
allowed transfer there and back plus turnaround, so any trip within reach fits its slot.
The model counts seats, not buses: each day, the people moved plus, for every pick-up-to-site
run, one largest bus's seats less one (the emptiest last trip can waste no more) stay within
the fleet's seat-trips. With that allowance `assign_buses` can always hand out the trips:
full trips of the largest free buses first, then the smallest bus that takes the remainder.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from models.plan_isolation import IsolationPlacement, IsolationTransfer
from optimizer.context import BuildContext
from optimizer.isolation_rules import buses, seat_allowance, seat_trips_per_day, slot_min, trips_per_day


SPREAD = 3
"""Runs per pick-up point and day the fleet's spare seats must allow before the seat rule is dropped."""


def add_transfer_capacity(ctx: BuildContext, v) -> None:
    """Hard: each day's admissions fit the transfer fleet's seats × trips (closed loop, point to point).

    Exactly: people moved plus, per run (a pick-up point to a site), the empty seats of its last
    trip stay within the seat-trips. That rule ties a boolean per run into the search, which slows
    the city-size model badly where seats are plentiful, so it is added only on days when the most
    people who could arrive (A), with SPREAD runs per pick-up point, could exceed the fleet. On the
    other days a plan spreading wider is still moved if it can be; if not, `isolation_extract`
    leaves those people without a room and names transfer capacity."""
    inst, model = ctx.instance, ctx.model
    capacity = seat_trips_per_day(inst)
    allowance = seat_allowance(inst)
    runs: dict[int, dict[tuple[str, int], list]] = defaultdict(lambda: defaultdict(list))
    people: dict[int, list] = defaultdict(list)
    arriving: dict[int, int] = defaultdict(int)
    for g, grp in enumerate(v.groups):
        if grp.sites:
            arriving[grp.day] += grp.people
        for s in grp.sites:
            runs[grp.day][grp.origin, s].append(v.used[g, s])
            people[grp.day].append(v.people(g, s))
    for day, by_run in sorted(runs.items()):
        origins = len({o for o, _ in by_run})
        if arriving[day] + allowance * min(len(by_run), SPREAD * origins) <= capacity:
            continue
        flags = []
        for (origin, s), used in sorted(by_run.items()):
            if len(used) == 1:
                flags.append(used[0])
                continue
            run = model.new_bool_var(f"run[{day},{origin},{v.sites[s].id}]")
            for u in used:
                model.add_implication(u, run)
            flags.append(run)
        ctx.enforce(model.add(sum(people[day]) + allowance * sum(flags) <= capacity), lambda day=day: (
            f"isolation.transfer_seats day {day}",
            [f"{ctx.where('vehicles', b.id)}: {b.seats} seats × {trips_per_day(inst, b)} trips" for b in buses(inst)]))


def assign_buses(inst, placements: list[IsolationPlacement]) -> tuple[list[IsolationTransfer], dict]:
    """Trips per bus, day and pick-up-to-site run for the placed people; also what is left
    unmoved per (day, origin, site) — empty whenever the model's seat rule held."""
    fleet = buses(inst)
    slot = slot_min(inst)
    start = inst.policy.isolation.transfer_start_hour
    runs: dict[tuple[int, str, str], int] = defaultdict(int)
    minutes: dict[tuple[str, str], float] = {}
    for p in placements:
        runs[p.admit_day, p.origin, p.site] += p.people
        minutes[p.origin, p.site] = p.transfer_min
    rows: list[IsolationTransfer] = []
    unmoved: dict[tuple[int, str, str], int] = {}
    for day in sorted({d for d, _, _ in runs}):
        left = {b.id: trips_per_day(inst, b) for b in fleet}
        done = defaultdict(int)  # bus -> trips already made today
        todays = sorted(((n, o, s) for (d, o, s), n in runs.items() if d == day and n),
                        key=lambda r: (-r[0], r[1], r[2]))
        for need, origin, site in todays:
            while need > 0:
                free = [b for b in fleet if left[b.id]]
                if not free:
                    unmoved[day, origin, site] = need
                    break
                full = [b for b in free if b.seats <= need]
                if full:
                    bus = max(full, key=lambda b: (b.seats, left[b.id], b.id))
                    trips = min(left[bus.id], need // bus.seats)
                    carried = trips * bus.seats
                else:
                    bus = min(free, key=lambda b: (b.seats, b.id))
                    trips, carried = 1, need
                rows.append(IsolationTransfer(
                    day=day, vehicle=bus.id, origin=origin, site=site, trips=trips, people=carried,
                    one_way_min=round(minutes[origin, site], 1),
                    depart_hour=start + done[bus.id] * slot / 60))
                left[bus.id] -= trips
                done[bus.id] += trips
                need -= carried
    return rows, unmoved


def seats_used(inst, v, solver: cp_model.CpSolver) -> dict[int, tuple[int, int]]:
    """Day -> (seat-trips the model used, with allowances; the fleet's seat-trips)."""
    allowance = seat_allowance(inst)
    used: dict[int, int] = defaultdict(int)
    for g, grp in enumerate(v.groups):
        for s in grp.sites:
            used[grp.day] += solver.value(v.people(g, s)) + allowance * solver.value(v.used[g, s])
    cap = seat_trips_per_day(inst)
    return {d: (n, cap) for d, n in used.items()}
