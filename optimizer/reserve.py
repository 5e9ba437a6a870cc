"""Reserve sizing (`fangkong reserve`, issue #9): the smallest reserve that leaves no critical
shortage in every scenario of a set, and what it costs.

Method (docs/whatif.md "Reserve"):

1. Every scenario is solved as it is: its critical shortage lines (the "before" column) and
   the townships they fall in.
2. Every scenario is solved again with a generous reserve written into the instance as
   ordinary entities, and its routine demand left out (routine testing, routine goods), so
   that the reserve is sized for critical demand only:
   - rooms: a reserve block beside each standing isolation site (same township, place and
     categories, rooms enough for every cohort), priced at `ROOM_PREMIUM` × the dearest
     standing room, so the cost tier fills standing rooms first and buys the fewest
     reserve room-days;
   - staff: people of each reserve skill (a quarter of the county's holders of the skill, at
     least `RESERVE_MIN`) in every township with a critical shortage or a standing isolation
     site (commuting range keeps a reserve useful only near its trouble);
   - vehicles: trucks at every supply source (the source's largest, cold chain, with a
     pass) and transfer buses at every standing isolation site.
   The critical lines left are the floor no reserve of these kinds removes (a case reported
   too late to meet its deadline, stock that does not exist).
3. What each scenario used: reserve rooms at their peak occupancy, vehicles that appear in
   its plan, and reserve people on duty less the standing people of the same home and skill
   idle that day (the pool rosters a merged group in id order, so a plan may name a reserve
   person where a standing one sat idle). Two candidate reserves: *tight*, for each kind of
   resource the placement of the scenario that used the most of that kind (the solver may
   put interchangeable reserve people in one township in one scenario and in the next
   township in another); *safe*, per resource and place the most any scenario used.
4. Every scenario is solved again, with its routine demand, and exactly the tight reserve;
   if a scenario then has more critical lines than its floor, the safe one is checked
   instead, and then the safe one counted without the swap back to idle standing people;
   the first with no scenario above its floor is reported, else the one closest to it. The command reports each scenario's critical lines against the floor.

Limits: reserve rooms are minimised by the cost tier (room-days at the premium rate); staff
and vehicles have no price of their own in the model (staff cost the same hourly rate as
the standing pool), so their counts are what a plan rostered — an upper bound that step 4
confirms but does not shrink.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from models.config import SolveConfig
from models.instance import Instance
from optimizer.sampling_rules import is_critical
from optimizer.supply_rules import critical_part
from optimizer.whatif import Run, RunResult, local_jobs, process_pool
from optimizer.whatif import sweep as whatif_sweep

# Reserve ids. Ids that sort after the standing ones (`~RSV`, `zRSV`) would roster standing people
# of a merged pool group first, but on the demo county they make the joint warm start
# infeasible (probably: the isolation warm start's named people miss the shared pool's blocks), so
# the tiers start from nothing: kept as `RSV` until that is fixed (docs/whatif.md "Limits")
PREFIX = "RSV"
RESERVE_SKILLS = ("epidemiologist", "police", "sampler", "registrar", "doctor", "nurse", "checkpoint_guard",
                  "delivery", "driver")
ROOM_PREMIUM = 10  # a reserve room-day costs this many times the dearest standing room-day
RESERVE_SHARE, RESERVE_MIN = 0.25, 6  # generous reserve people per skill and short township, of the county's holders
RESERVE_TRUCKS, RESERVE_BUSES = 2, 1  # per source, per standing isolation site
STAFF_HOURS = 8  # a reserve person's day


@dataclass
class Reserve:
    """Amounts by (resource, place id): rooms at a site, people of a skill in a township,
    vehicles of a kind at a depot."""

    amounts: dict[tuple[str, str], int] = field(default_factory=dict)
    needed_by: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class ReserveResult:
    reserve: Reserve
    unit_costs: dict[tuple[str, str], int]
    before: list[RunResult]  # scenarios as they are
    generous: list[RunResult]  # with a generous reserve, critical demand only
    confirmed: list[RunResult]  # with exactly the reserve


# ---------------------------------------------------------------- reserve entities

def _block_id(site_id: str) -> str:
    return f"{PREFIX}-ROOMS-{site_id}"


def critical_only(instance: Instance) -> dict:
    """The instance's data without routine demand: grids whose testing is routine, routine
    goods, and the routine part of food-floor requests."""
    data = instance.model_dump(mode="json")
    data["grids"] = [g for g, grid in zip(data["grids"], instance.grids) if is_critical(instance, grid)]
    demands = []
    for d in instance.demands:
        q = critical_part(instance, d.township, d.commodity, d.quantity)
        if q > 0:
            demands.append({**d.model_dump(mode="json"), "quantity": q})
    data["demands"] = demands
    return data


def with_reserve(instance: Instance, amounts: dict[tuple[str, str], int], data: dict | None = None) -> Instance:
    """The instance with reserve entities added: `amounts[("rooms", site)]` rooms beside a
    standing site, `amounts[("staff:<skill>", township)]` people, `amounts[("vehicle:<kind>",
    depot)]` vehicles."""
    data = data if data is not None else instance.model_dump(mode="json")
    sites = instance.by_id("isolation_sites")
    dearest = max((s.room_cost_per_day for s in instance.isolation_sites), default=200)
    trucks_at: dict[str, list] = defaultdict(list)
    for v in instance.vehicles:
        trucks_at[v.depot].append(v)
    for (resource, place), units in sorted(amounts.items()):
        if units <= 0:
            continue
        if resource == "rooms":
            site = sites[place]
            data["isolation_sites"].append({
                "id": _block_id(place), "name": f"{site.name}（储备）", "township": site.township,
                "location": site.location.model_dump(), "rooms": units, "room_cost_per_day": ROOM_PREMIUM * dearest,
                "allowed_categories": list(site.allowed_categories)})
        elif resource.startswith("staff:"):
            skill = resource.split(":", 1)[1]
            data["staff"] += [{"id": f"{PREFIX}-{skill}-{place}-{n + 1}", "name": f"储备{skill}{n + 1}",
                               "skills": [skill], "home_township": place, "hours_per_day": 10}
                              for n in range(units)]
        else:
            kind = resource.split(":", 1)[1]
            model = max((v for v in trucks_at.get(place, []) if v.kind == "truck"), key=lambda v: v.capacity_kg,
                        default=None)
            for n in range(units):
                vid = f"{PREFIX}-{kind}-{place}-{n + 1}"
                data["vehicles"].append({
                    "id": vid, "plate": vid, "kind": kind, "depot": place,
                    "capacity_kg": (model.capacity_kg if model else 10000) if kind == "truck" else 0,
                    "seats": 45 if kind == "transfer_bus" else 0, "cold_chain": kind == "truck",
                    "shift_hours": 10, "has_pass": True})
    return Instance.model_validate(data)


def generous_amounts(instance: Instance, short_townships: set[str]) -> dict[tuple[str, str], int]:
    amounts: dict[tuple[str, str], int] = {}
    rooms = sum(c.people for c in instance.cohorts) + sum(o.people for s in instance.isolation_sites
                                                          for o in s.occupants)
    for site in instance.isolation_sites:
        if not site.reserve:
            amounts["rooms", site.id] = max(1, rooms)
            amounts["vehicle:transfer_bus", site.id] = RESERVE_BUSES
    for src in instance.sources:
        amounts["vehicle:truck", src.id] = RESERVE_TRUCKS
    holders = defaultdict(int)
    for p in instance.staff:
        for s in p.skills:
            holders[s] += 1
    for skill in RESERVE_SKILLS:
        # a quarter of the county's holders in each short township: a sealed township's testing
        # alone can need more samplers than its own township and neighbours hold
        n = max(RESERVE_MIN, math.ceil(RESERVE_SHARE * holders[skill]))
        for t in sorted(short_townships):
            amounts[f"staff:{skill}", t] = n
    return amounts


def reserve_used(plan, amounts: dict[tuple[str, str], int], instance: Instance | None = None,
                 swap_back: bool = True) -> dict[tuple[str, str], int]:
    """Reserve units a plan uses: rooms at the block's peak, vehicles driven, and reserve
    people rostered — less, with `swap_back`, the standing people of the same home and skill
    left idle that day, who could have taken their duty (the pool hands out a group's people
    in id order, so a plan may name `RSV-` people where standing ones of the group sat idle;
    the confirming re-solve checks the swap)."""
    used: dict[tuple[str, str], int] = {}
    peak: dict[str, int] = defaultdict(int)
    for r in plan.isolation.occupancy:
        peak[r.site] = max(peak[r.site], r.occupied_rooms)
    on_duty: dict[tuple[str, int], int] = defaultdict(int)  # (reserve resource and place, day) -> people
    busy: dict[int, set[str]] = defaultdict(set)
    for r in plan.roster:
        busy[r.day].add(r.staff)
    for day, ids in busy.items():
        for pid in ids:
            if pid.startswith(PREFIX + "-"):
                on_duty[pid.rsplit("-", 1)[0], day] += 1
    idle = _idle_standing(instance, busy) if swap_back and instance is not None else {}
    vehicles = {r.vehicle for r in plan.supply.routes} | {t.vehicle for t in plan.isolation.transfers}
    for (resource, place) in amounts:
        if resource == "rooms":
            n = peak.get(_block_id(place), 0)
        elif resource.startswith("staff:"):
            skill = resource.split(":", 1)[1]
            stem = f"{PREFIX}-{skill}-{place}"
            n = max((k - idle.get((skill, place, day), 0) for (key, day), k in on_duty.items() if key == stem),
                    default=0)
            n = max(0, n)
        else:
            kind = resource.split(":", 1)[1]
            n = sum(1 for v in vehicles if v.startswith(f"{PREFIX}-{kind}-{place}-"))
        if n:
            used[resource, place] = n
    return used


def _idle_standing(instance: Instance, busy: dict[int, set[str]]) -> dict[tuple[str, str, int], int]:
    """(skill, home township, day) -> standing people of the pool with that skill, free of
    closed-loop duty and not yet at their day off, on no duty that day."""
    limit = instance.policy.staff.max_days_in_row
    idle: dict[tuple[str, str, int], int] = defaultdict(int)
    for p in instance.staff:
        if p.id.startswith(PREFIX + "-") or p.closed_loop_site is not None:
            continue
        for day, ids in busy.items():
            if p.id not in ids and p.days_in_row + day < limit:
                for skill in p.skills:
                    idle[skill, p.home_township, day] += 1
    return idle


def unit_costs(instances: list[Instance], reserve: Reserve) -> dict[tuple[str, str], int]:
    """Cost of one reserve unit, from the instance's own prices: a room held ready for the
    isolation horizon at its site's rate; a person's day at the staff-hour cost; a vehicle's
    shift at the truck-minute cost."""
    policy = instances[0].policy
    sites = {k: v for inst in reversed(instances) for k, v in inst.by_id("isolation_sites").items()}
    out = {}
    for (resource, place) in reserve.amounts:
        if resource == "rooms":
            out[resource, place] = sites[place].room_cost_per_day * policy.isolation.horizon_days
        elif resource.startswith("staff:"):
            out[resource, place] = policy.staff.hour_cost * STAFF_HOURS
        else:
            out[resource, place] = policy.supply.truck_cost_per_min * 60 * 10
    return out


# ---------------------------------------------------------------- the method

def critical_lines(result: RunResult) -> list:
    return [] if result.plan is None else [s for s in result.plan.shortages if s.tier == "critical"]


def size_reserve(runs: list[Run], config: SolveConfig, *, jobs: int | None = None, backend: str = "local",
                 scheduler: str | None = None, progress=None, before: list[RunResult] | None = None
                 ) -> ReserveResult:
    """Steps 1–4 of the module docstring over `runs` (the base is usually one of them)."""
    jobs = jobs or local_jobs(len(runs))
    if backend == "local" and jobs > 1:
        with process_pool(jobs) as pool:  # one set of processes for the three or four sweeps
            return _size_reserve(runs, config, jobs, backend, scheduler, progress, before, pool)
    return _size_reserve(runs, config, jobs, backend, scheduler, progress, before, None)


def _size_reserve(runs, config, jobs, backend, scheduler, progress, before, pool) -> ReserveResult:
    def sweep(runs, config, **kw):
        return whatif_sweep(runs, config, pool=pool, **kw)

    before = before or sweep(runs, config, jobs=jobs, backend=backend, scheduler=scheduler,
                             progress=progress and (lambda r: progress("before", r)))
    # reserve people where critical lines fall, and where reserve rooms would need site staff
    short_towns = {s.township for r in before for s in critical_lines(r) if s.township}
    short_towns |= {site.township for run in runs for site in run.instance.isolation_sites if not site.reserve}
    generous_runs, generous_amount = [], {}
    for run in runs:
        amounts = generous_amounts(run.instance, short_towns & set(run.instance.by_id("townships")))
        generous_amount[run.name] = amounts
        generous_runs.append(Run(run.name, with_reserve(run.instance, amounts, critical_only(run.instance))))
    generous = sweep(generous_runs, config, jobs=jobs, backend=backend, scheduler=scheduler,
                     progress=progress and (lambda r: progress("generous", r)))
    used, named = {}, {}
    for run, res, gen in zip(runs, generous, generous_runs):
        plan = res.plan
        used[run.name] = reserve_used(plan, generous_amount[run.name], gen.instance) if plan else {}
        named[run.name] = reserve_used(plan, generous_amount[run.name], swap_back=False) if plan else {}
    # Two candidates. Tight: for each kind of resource, the placement of the scenario that needs
    # the most of it (reserve people a solver put in one township in one scenario and in the
    # next township in another are the same people). Safe: the most any scenario used in each
    # place. The tight one is checked first; the safe one only if it leaves a scenario short.
    candidates = [tight_reserve(used), safe_reserve(used)]
    if named != used:  # the people the plans named, if the swap back to idle standing people fails
        candidates.append(safe_reserve(named))
    best = None  # (excess over the floors, candidate, its confirming runs): the first without excess wins
    for candidate in candidates:
        confirm_runs = [Run(run.name, with_reserve(run.instance, _fitting(run.instance, candidate.amounts)))
                        for run in runs]
        checked = sweep(confirm_runs, config, jobs=jobs, backend=backend, scheduler=scheduler,
                        progress=progress and (lambda r: progress("confirm", r)))
        excess = sum(_excess(c, g) for c, g in zip(checked, generous))
        if best is None or excess < best[0]:
            best = (excess, candidate, checked)
        if excess == 0:
            break
    _, reserve, confirmed = best
    return ReserveResult(reserve, unit_costs([r.instance for r in runs], reserve), before, generous, confirmed)


def _fitting(instance: Instance, amounts: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """The reserve entries that have a place in this scenario (a lost hotel has no block)."""
    places = {"rooms": set(instance.by_id("isolation_sites")), "staff": set(instance.by_id("townships")),
              "vehicle:truck": set(instance.by_id("sources")),
              "vehicle:transfer_bus": set(instance.by_id("isolation_sites")) | set(instance.by_id("townships"))}
    return {(r, p): n for (r, p), n in amounts.items()
            if p in places.get(r, places["staff"] if r.startswith("staff:") else set())}


def safe_reserve(used: dict[str, dict[tuple[str, str], int]]) -> Reserve:
    """Per resource and place, the most any scenario used."""
    reserve = Reserve()
    for name, amounts in used.items():
        for key, n in amounts.items():
            reserve.amounts[key] = max(reserve.amounts.get(key, 0), n)
            reserve.needed_by[key].append(name)
    return reserve


def tight_reserve(used: dict[str, dict[tuple[str, str], int]]) -> Reserve:
    """Per kind of resource, the placement of the scenario that used the most of that kind."""
    reserve = Reserve()
    kinds = {resource for amounts in used.values() for resource, _ in amounts}
    for kind in sorted(kinds):
        totals = {name: sum(n for (r, _), n in amounts.items() if r == kind) for name, amounts in used.items()}
        worst = max(sorted(totals), key=lambda name: totals[name])
        for (r, place), n in used[worst].items():
            if r == kind:
                reserve.amounts[r, place] = n
                reserve.needed_by[r, place] = [name for name, t in totals.items() if t > 0]
    return reserve


def _excess(confirmed: RunResult, generous: RunResult) -> float:
    """Critical lines the scenario has with the reserve beyond those it had with a generous one
    (a scenario left without a plan counts as all its lines)."""
    floor = len(critical_lines(generous))
    if confirmed.plan is None:
        return max(1, floor)
    return max(0, len(critical_lines(confirmed)) - floor)
