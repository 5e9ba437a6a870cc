"""Isolation rooms (DOMAIN.md §3): every cohort housed over a multi-day horizon.

Cohorts arriving on the same day from the same pick-up point in the same category are
interchangeable for rooms, transfers and staff, so the model decides integer rooms per
(arrival group, site) — never per person — and `isolation_extract` hands the rooms to the
cohorts afterwards, keeping each whole where the rooms allow. A carer shares a room with the
person cared for: groups with carers also get an integer of such pair rooms per site.

Rules added here: every group housed or declared short; room balance per site and day with
current occupants; reserves usable only after activation, lag and ramp-up; categories kept
apart per site and day; allowed categories and the longest transfer (candidate sites).
Transfers (`isolation_transfer`) and day-0 site staff (`isolation_staff`) add theirs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.instance import Cohort, IsolationSite
from optimizer.context import BuildContext
from optimizer.isolation_rules import (
    always_open, cohorts_in_scope, days_held, horizon, may_house, no_mix_pairs, occupants_on, release_day,
    sharing_carers, stay_days, transfer_km, usable_rooms,
)


WARM_ORDER = -10  # first: its hint comes from a solve of its own and cannot adapt; warm starts take staff from the shared ledger in this order (optimizer/solve.py)


@dataclass
class Group:
    """Cohorts the model treats alike: same pick-up point, category and arrival day."""

    origin: str
    category: str
    day: int
    cohorts: list[Cohort]
    held: range  # days of the horizon the stay holds a room
    sites: list[int] = field(default_factory=list)  # candidate site indexes
    room: dict[int, int] = field(default_factory=dict)  # candidate site -> most rooms it can give the group

    def __post_init__(self) -> None:
        self.people = sum(c.people for c in self.cohorts)
        self.carers = sum(sharing_carers(c) for c in self.cohorts)
        self.rooms = self.people - self.carers

    @property
    def name(self) -> str:
        return f"{self.origin}/{self.category}/d{self.day}"


@dataclass
class IsolationVars:
    sites: list[IsolationSite]
    groups: list[Group]
    rooms: dict[tuple[int, int], cp_model.IntVar]  # (group, site) -> rooms taken
    pairs: dict[tuple[int, int], cp_model.IntVar]  # (group, site) -> carer pairs housed (groups with carers)
    used: dict[tuple[int, int], cp_model.IntVar]  # (group, site) -> the group sends people there
    activated: dict[int, cp_model.IntVar]  # reserve site -> activated on day 0
    staff: object = None  # isolation_staff.SiteStaffVars
    admitted: dict[tuple[int, str, int], cp_model.IntVar] = field(default_factory=dict)  # (site, category, day)
    by_site_day: dict[tuple[int, int], dict[str, list]] = field(default_factory=dict)  # -> admissions held, by category
    present: dict[tuple[int, str, int], cp_model.IntVar] = field(default_factory=dict)  # (site, category, day)
    critical: cp_model.IntVar | None = None  # the module's critical total (person-days + weighted staff short)
    placing: cp_model.IntVar | None = None  # rooms + transfers + activations (the cost terms but splits)
    kinds: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)  # group -> cohort_kinds
    whole: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)  # (group, kind, site) -> cohorts whole there
    part: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (group, site) -> rooms beyond whole cohorts
    part_link: dict[tuple[int, int], int] = field(default_factory=dict)  # (group, site) -> index of `part == used`
    offered: set[tuple[int, int]] = field(default_factory=set)  # (group, site) pairs offered whole cohorts
    splits: dict[int, tuple] = field(default_factory=dict)  # group -> (parts beyond the first, any part)

    def people(self, g: int, s: int) -> cp_model.LinearExprT:
        return self.rooms[g, s] + self.pairs[g, s] if (g, s) in self.pairs else self.rooms[g, s]

    def housed(self, g: int) -> cp_model.LinearExprT:
        return sum(self.people(g, s) for s in self.groups[g].sites)

    def is_active(self, s: int) -> bool | cp_model.IntVar:
        return True if always_open(self.sites[s]) else self.activated[s]


def make_groups(ctx: BuildContext, sites: list[IsolationSite]) -> list[Group]:
    """Arrival groups of the cohorts in scope, each with its candidate sites: allowed category,
    within transfer reach, and a room left on every day of the stay (a reserve: once ready)."""
    inst = ctx.instance
    keyed: dict[tuple, list[Cohort]] = defaultdict(list)
    for c in cohorts_in_scope(inst):
        keyed[c.origin, c.category, c.day].append(c)
    left = [[usable_rooms(inst, site, d, True) - sum(occupants_on(site, d).values()) for d in range(horizon(inst))]
            for site in sites]
    reach: dict[tuple[str, str], list[int]] = {}
    groups = []
    for (origin, category, day), cohorts in sorted(keyed.items()):
        g = Group(origin, category, day, cohorts, days_held(inst, day, release_day(inst, cohorts[0])))
        if (origin, category) not in reach:
            reach[origin, category] = [s for s, site in enumerate(sites) if may_house(inst, origin, category, site)]
        for s in reach[origin, category]:
            room = min(left[s][g.held.start:g.held.stop])
            if room > 0 or ctx.diagnosing:
                g.sites.append(s)
                # diagnosing: no cap in the variables' domains, so that the room balance (a
                # guarded rule group) is what names a site too full for a pinned placement
                g.room[s] = g.rooms if ctx.diagnosing else min(room, g.rooms)
        groups.append(g)
    return groups


def build(ctx: BuildContext) -> IsolationVars | None:
    """Add the isolation module to the shared model; None when no cohort needs a room."""
    from optimizer.isolation_staff import add_site_staff
    from optimizer.isolation_transfer import add_transfer_capacity

    inst, model = ctx.instance, ctx.model
    sites = sorted(inst.isolation_sites, key=lambda s: s.id)
    groups = make_groups(ctx, sites)
    if not groups and not any(s.occupants for s in sites):
        return None
    rooms, pairs, used = {}, {}, {}
    for g, grp in enumerate(groups):
        for s in grp.sites:
            tag = f"{grp.name}@{sites[s].id}"
            rooms[g, s] = model.new_int_var(0, grp.room[s], f"rooms[{tag}]")
            used[g, s] = model.new_bool_var(f"used[{tag}]")
            if grp.carers:
                pairs[g, s] = model.new_int_var(0, min(grp.carers, grp.room[s]), f"pairs[{tag}]")
    activated = {s: model.new_bool_var(f"activate[{site.id}]") for s, site in enumerate(sites)
                 if not always_open(site)}
    v = IsolationVars(sites, groups, rooms, pairs, used, activated)
    for s, a in sorted(activated.items()):  # activated only for someone (see add_cohort_housing)
        model.add(sum(used[g, s] for g, grp in enumerate(groups) if s in grp.room) >= a)
    add_cohort_housing(ctx, v)
    add_room_balance(ctx, v)
    add_category_separation(ctx, v)
    add_transfer_capacity(ctx, v)
    v.staff = add_site_staff(ctx, v)
    _add_terms(ctx, v)
    return v


def add_cohort_housing(ctx: BuildContext, v: IsolationVars) -> None:
    """Hard: a group's rooms go to candidate sites only, at most its rooms in all; one person per
    room except a carer with the person cared for: pair rooms at most the group's carers, single
    rooms at most its people without a carer."""
    model = ctx.model
    for g, grp in enumerate(v.groups):
        ctx.enforce(model.add(sum(v.rooms[g, s] for s in grp.sites) <= grp.rooms), lambda grp=grp: (
            f"isolation.one_room_each {grp.name}",
            [f"{ctx.where('cohorts', c.id)}.people = {c.people}, carers {c.carers}" for c in grp.cohorts]))
        if grp.carers:
            model.add(sum(v.pairs[g, s] for s in grp.sites) <= grp.carers)
            model.add(sum(v.rooms[g, s] - v.pairs[g, s] for s in grp.sites) <= grp.rooms - grp.carers)
        for s in grp.sites:
            # used exactly when rooms are taken: the flags carry cost only, and a solve of the
            # critical tier alone must not leave them set for the cost tier to clear
            model.add(v.rooms[g, s] <= grp.room[s] * v.used[g, s])
            model.add(v.rooms[g, s] >= v.used[g, s])
            if s in v.activated:  # a run to a reserve needs it activated (tightens the cost bound)
                model.add_implication(v.used[g, s], v.activated[s])
            if grp.carers:
                model.add(v.pairs[g, s] <= v.rooms[g, s])


def add_room_balance(ctx: BuildContext, v: IsolationVars) -> None:
    """Hard: on every day, current occupants plus placed cohorts fit the site's usable rooms;
    a reserve's rooms count only once activated, after its lag, by the ready fractions.

    Rooms are summed through admissions per (site, category, day): a stay of L days admitted
    on day a holds its room on days a..a+L-1, so a day's rooms are a window of admissions."""
    inst, model = ctx.instance, ctx.model
    parts: dict[tuple[int, str, int], list] = defaultdict(list)
    for g, grp in enumerate(v.groups):
        for s in grp.sites:
            parts[s, grp.category, grp.day].append(g)
    for (s, category, day), gs in sorted(parts.items()):
        x = model.new_int_var(0, sum(v.groups[g].room[s] for g in gs), f"admit[{v.sites[s].id},{category},{day}]")
        model.add(x == sum(v.rooms[g, s] for g in gs))
        v.admitted[s, category, day] = x
        for d in range(day, min(day + stay_days(inst, category), horizon(inst))):
            v.by_site_day.setdefault((s, d), {}).setdefault(category, []).append(x)
    for (s, d), by_category in sorted(v.by_site_day.items()):
        site = v.sites[s]
        placed = sum(x for xs in by_category.values() for x in xs)
        if always_open(site):
            ct = model.add(placed <= site.rooms - sum(occupants_on(site, d).values()))
        else:
            ct = model.add(placed <= usable_rooms(inst, site, d, True) * v.activated[s])
        ctx.enforce(ct, lambda site=site, d=d: (f"isolation.rooms site {site.id} day {d}", [
            f"{ctx.where('isolation_sites', site.id)}.rooms = {site.rooms}, usable {usable_rooms(inst, site, d, True)}"
            f"{'' if always_open(site) else ' once activated'}, occupants {sum(occupants_on(site, d).values())}"]))


def add_category_separation(ctx: BuildContext, v: IsolationVars) -> None:
    """Hard: categories that must be kept apart (default close contacts and inbound travellers)
    never share a site on the same day, current occupants included."""
    model = ctx.model
    present = v.present

    def presence(s: int, category: str, d: int):
        """1 if occupants of the category are there, a boolean if groups may be, else 0."""
        if occupants_on(v.sites[s], d).get(category):
            return 1
        xs = v.by_site_day.get((s, d), {}).get(category)
        if not xs:
            return 0
        if (s, category, d) not in present:
            m = present[s, category, d] = model.new_bool_var(f"present[{v.sites[s].id},{category},{d}]")
            # diagnosing: as many as the admissions may hold, so that the rooms rule (guarded) caps them
            big = sum(list(x.proto.domain)[-1] for x in xs) if ctx.diagnosing else v.sites[s].rooms
            model.add(sum(xs) <= big * m)
        return present[s, category, d]

    for a, b in no_mix_pairs(ctx.instance):
        for s, d in sorted(v.by_site_day):
            pa, pb = presence(s, a, d), presence(s, b, d)
            describe = lambda s=s, d=d, a=a, b=b: (f"isolation.categories_apart site {v.sites[s].id} day {d} {a}/{b}", [
                f"{ctx.where('isolation_sites', v.sites[s].id)}.occupants {a} {occupants_on(v.sites[s], d).get(a, 0)}, "
                f"{b} {occupants_on(v.sites[s], d).get(b, 0)}"])
            if isinstance(pa, int) and isinstance(pb, int):
                # occupants already mixed (the input's matter): no one more of either category
                # may join them that day (as `verify` checks), else nothing to decide
                held = [x for c in (a, b) if pa and pb for x in v.by_site_day[s, d].get(c, [])]
                if held:
                    ctx.enforce(model.add(sum(held) == 0), describe)
                continue
            ctx.enforce(model.add(pa + pb <= 1), describe)


def cohort_kinds(grp: Group) -> list[tuple[int, int, int]]:
    """The group's cohorts by what a whole one takes: (single rooms, pair rooms, how many cohorts).
    Cohorts of one kind are interchangeable for the rooms, so the model counts them."""
    count: dict[tuple[int, int], int] = defaultdict(int)
    for c in grp.cohorts:
        pairs = sharing_carers(c)
        count[c.people - 2 * pairs, pairs] += 1
    return [(a, b, n) for (a, b), n in sorted(count.items())]


def add_cohorts_kept_whole(ctx: BuildContext, v: IsolationVars) -> list:
    """Cost: a cohort split over one more site (DOMAIN.md §3: keep a cohort together where
    possible; `split_penalty` is the cost of splitting a cohort over one more site).

    The model decides rooms per (group, site). At a pair *offered* whole placements
    (`offer_whole`), `whole[g, kind, s]` cohorts of a kind go there whole and the rooms beyond
    them are the pair's *part*; at any other pair all the group's rooms there are a part
    (`part == used`). The cohorts placed whole nowhere are dealt over the parts in one order
    (`isolation_extract.hand_out`), which cuts at most parts − 1 times, each cut one more site
    for one cohort: that count per group is the term, an upper bound on the cohorts' extra
    sites in the plan (exact when every placement is offered). A group's cohorts sent whole to
    different sites are not split: the planner sees cohorts. With nothing offered it is the
    runs to sites beyond each group's first."""
    model = ctx.model
    out = []
    for g, grp in enumerate(v.groups):
        v.kinds[g] = cohort_kinds(grp)
        parts = []
        for s in grp.sites:
            part = v.part[g, s] = model.new_bool_var(f"part[{grp.name}@{v.sites[s].id}]")
            v.part_link[g, s] = len(model.proto.constraints)
            model.add(part == v.used[g, s])
            parts.append(part)
        if len(parts) > 1:
            extra = model.new_int_var(0, len(parts) - 1, f"splits[{grp.name}]")
            anywhere = model.new_bool_var(f"parted[{grp.name}]")
            model.add(sum(parts) >= anywhere)
            model.add(sum(parts) <= len(parts) * anywhere)
            model.add(extra == sum(parts) - anywhere)
            v.splits[g] = (extra, anywhere)
            out.append(extra)
    return out


def offer_whole(model: cp_model.CpModel, v: IsolationVars, offered) -> list[cp_model.IntVar]:
    """Let the cohorts of each (group, site) pair in `offered` go there whole (see
    `add_cohorts_kept_whole`): the pair's part becomes the rooms beyond its whole cohorts. Call
    once per model, with every pair; the new variables (named alike in every model built the
    same way, so that a hint carries over by name)."""
    new = []
    by_kind: dict[tuple[int, int], list] = defaultdict(list)
    for g, s in sorted(offered):
        grp = v.groups[g]
        if (g, s) not in v.part_link or (g, s) in v.offered:
            continue
        v.offered.add((g, s))
        model.proto.constraints[v.part_link[g, s]].clear_linear()  # part == used no more: an empty row
        tag = f"{grp.name}@{v.sites[s].id}"
        singles, pairs, rooms = [], [], []
        for k, (a, b, n) in enumerate(v.kinds[g]):
            most = min(n, grp.room[s] // (a + b))
            if b:
                most = min(most, grp.carers // b) if (g, s) in v.pairs else 0
            if most <= 0:
                continue
            x = v.whole[g, k, s] = model.new_int_var(0, most, f"whole[{tag}#{a}+{b}]")
            new.append(x)
            by_kind[g, k].append(x)
            singles.append(a * x)
            pairs.append(b * x)
            rooms.append((a + b) * x)
        if (g, s) in v.pairs:
            model.add(v.rooms[g, s] - v.pairs[g, s] >= sum(singles))
            model.add(v.pairs[g, s] >= sum(pairs))
        else:
            model.add(v.rooms[g, s] >= sum(singles))
        # the part flag exactly (it carries cost only: see add_cohort_housing)
        left = v.rooms[g, s] - sum(rooms)
        model.add(left <= grp.room[s] * v.part[g, s])
        model.add(left >= v.part[g, s])
    for (g, k), xs in sorted(by_kind.items()):
        model.add(sum(xs) <= v.kinds[g][k][2])
    return new


def _add_terms(ctx: BuildContext, v: IsolationVars) -> None:
    """Critical: person-days without a room. Cost: room-days, transfer distance, activations, splits."""
    inst, model = ctx.instance, ctx.model
    ip = inst.policy.isolation
    unhoused, room_cost, transfer = [], [], []
    upper = []  # (coefficient, upper bound) of the rooms' and transfers' terms
    for g, grp in enumerate(v.groups):
        short = model.new_int_var(0, grp.people, f"unhoused[{grp.name}]")
        model.add(short == grp.people - v.housed(g))
        unhoused.append(len(grp.held) * short)
        for s in grp.sites:
            room_cost.append(v.sites[s].room_cost_per_day * len(grp.held) * v.rooms[g, s])
            per_person = round(ip.transfer_cost_per_person_km * transfer_km(inst, grp.origin, v.sites[s]))
            transfer.append(per_person * v.people(g, s))
            most = list(v.rooms[g, s].proto.domain)[-1]
            upper += [(v.sites[s].room_cost_per_day * len(grp.held), most), (per_person, 2 * most)]
    # The module's critical total as one variable, so that a lower bound on it (the warm start
    # adds its LP relaxation's) bounds the tier objective by propagation alone; the two named
    # terms still read the person-days and the staff shortage apart (they sum to the total).
    staff_short = v.staff.penalty if v.staff is not None else 0
    most = sum(len(grp.held) * grp.people for grp in v.groups) + (v.staff.penalty_most if v.staff else 0)
    v.critical = model.new_int_var(0, most, "isolation.critical")
    model.add(v.critical == sum(unhoused) + staff_short)
    ctx.add_term("critical", "isolation.unhoused_person_days", v.critical - staff_short)
    ctx.add_term("critical", "isolation.site_staff_short", staff_short)
    # Rooms, transfers and activations as one variable too, so that a valid inequality on it and
    # the critical total (the warm start adds its LP relaxation's) bounds the cost tier by
    # propagation; the named terms still read apart (rooms = that total less the other two).
    activations = sum(v.sites[s].activation_cost * a for s, a in sorted(v.activated.items()))
    high = sum(coeff * ub for coeff, ub in upper)
    v.placing = model.new_int_var(0, high + sum(v.sites[s].activation_cost for s in v.activated), "isolation.placing")
    model.add(v.placing == sum(room_cost) + sum(transfer) + activations)
    ctx.add_term("cost", "isolation.rooms", v.placing - sum(transfer) - activations)
    ctx.add_term("cost", "isolation.transfer_distance", sum(transfer))
    ctx.add_term("cost", "isolation.activations", activations)
    ctx.add_term("cost", "isolation.cohort_splits", ip.split_penalty * sum(add_cohorts_kept_whole(ctx, v)))


def warm_start(ctx: BuildContext, v: IsolationVars) -> None:
    """After the pool is finalized: hint the module from a short solve of its own."""
    from optimizer.isolation_warm import warm_start as solve_alone

    solve_alone(ctx, v)


def extract(ctx: BuildContext, v: IsolationVars, solver: cp_model.CpSolver, staffing: dict):
    """Read the isolation section, its day-0 roster and its shortage lines from a solution."""
    from optimizer.isolation_extract import extract_section

    return extract_section(ctx, v, solver, staffing)


__all__ = ["Group", "IsolationVars", "build", "extract", "horizon", "offer_whole", "warm_start"]
