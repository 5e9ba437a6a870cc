"""The shared staff pool: every module draws person-hours from it by skill, township and shift.

People with the same home township, skills, hours and availability are interchangeable, so
the model counts them by group (`StaffGroup`) instead of deciding person by person; the
roster is made from the counts after the solve, in id order, so it is deterministic.

Rules enforced here (DOMAIN.md "The staff pool"):
- skill match: a role is filled only by a skill that `policy.staff.role_skills` lists for it;
  relief staff (机关干部) only in `policy.staff.relief_roles`;
- hours per day: the block plus travel both ways fits the person's hours;
- one duty block per person per day, so no one is in two places at once;
- rest: a block starts at least `min_rest_hours` after the person's last duty ended;
- a day off after `max_days_in_row` days in a row;
- closed-loop staff do no duty outside their isolation site's rotation;
- travel from the home township counts, up to `max_commute_min` one way.

Counted people are offered blocks in their `duty_townships` nearest townships only (a model
restriction, not a rule: `verify` does not check it). Without it a city's 19,000 people in
4,000 groups, each within an hour of most of 387 townships, made millions of counters.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from models.instance import Instance, StaffMember
from optimizer.geometry import staff_travel_min


@dataclass(frozen=True, order=True)
class Block:
    """A duty block a module needs staffed: a role in a township during given hours of a day."""

    day: int
    start_hour: float
    end_hour: float
    township: str
    role: str
    module: str = "sampling"

    @property
    def hours(self) -> float:
        return self.end_hour - self.start_hour


@dataclass
class StaffGroup:
    """Interchangeable people: same home, skills, hours per day and availability."""

    key: tuple
    home: str
    skills: frozenset[str]
    hours_per_day: int
    available_from: float  # hours from 00:00 of day 0
    days_left: int  # days this person may still work before the day off
    members: list[StaffMember] = field(default_factory=list)


def fills_role(skills: frozenset[str], role: str, instance: Instance) -> bool:
    """Hard: skill match; relief staff only in low-skill roles."""
    table = instance.derived("fills_role", lambda _: {})
    key = (skills, role)
    if key not in table:
        table[key] = _fills_role(skills, role, instance)
    return table[key]


def _fills_role(skills: frozenset[str], role: str, instance: Instance) -> bool:
    sp = instance.policy.staff
    ok = set(sp.role_skills.get(role, [role]))
    return any(s in ok and (s != "relief" or role in sp.relief_roles) for s in skills)


def availability(instance: Instance, person: StaffMember) -> tuple[float, int]:
    """Earliest start (h from day 0) after the minimum rest, and days left before a day off."""
    sp = instance.policy.staff
    start = -1e9 if person.last_shift_end_hour is None else person.last_shift_end_hour + sp.min_rest_hours
    return start, max(0, sp.max_days_in_row - person.days_in_row)


def block_fits(instance: Instance, g: StaffGroup, b: Block) -> bool:
    """Whether a person of group g may take block b (skills, day off, rest, hours, commute)."""
    travel = staff_travel_min(instance, g.home, b.township)
    return (
        fills_role(g.skills, b.role, instance)
        and b.day < g.days_left
        and b.day * 24 + b.start_hour >= g.available_from - 1e-9
        and travel <= instance.policy.staff.max_commute_min
        and b.hours + 2 * travel / 60.0 <= g.hours_per_day + 1e-9
    )


class _Reach:
    """The blocks a home township may staff, as arrays, so that the eligibility of thousands of
    groups is a few vector operations each. `fitting(g)` is `block_fits` for every block, as
indexes into the pool's sorted blocks (tuples of ints hash fast when groups are merged)."""

    def __init__(self, instance: Instance, home: str, blocks: list[Block], index: dict[Block, int]):
        self.blocks = blocks
        self.index = np.array([index[b] for b in blocks], dtype=np.int64)
        self.roles = sorted({b.role for b in blocks})
        role_index = {r: i for i, r in enumerate(self.roles)}
        self.role = np.array([role_index[b.role] for b in blocks], dtype=np.int64)
        self.day = np.array([b.day for b in blocks], dtype=np.int64)
        self.start = np.array([b.day * 24 + b.start_hour for b in blocks], dtype=float)
        travel = np.array([staff_travel_min(instance, home, b.township) for b in blocks], dtype=float)
        self.length = np.array([b.hours for b in blocks], dtype=float) + 2 * travel / 60.0

    def fitting(self, instance: Instance, g: StaffGroup) -> tuple[Block, ...]:
        if not self.blocks:
            return ()
        role_ok = np.array([fills_role(g.skills, r, instance) for r in self.roles])
        ok = (role_ok[self.role] & (self.day < g.days_left) & (self.start >= g.available_from - 1e-9)
              & (self.length <= g.hours_per_day + 1e-9))
        return tuple(self.index[np.flatnonzero(ok)].tolist())


class StaffPool:
    """Builds the staff variables into the shared model and turns counts into a roster.

    Modules state what they need (`staff(block, count)`, `person_busy(pid, day)`) while they
    build; `finalize()` then creates the variables. It merges the groups whose people are
    eligible for exactly the same blocks and live in the same township: they are
    interchangeable for this model, which keeps a city's pool to a few hundred counters.
    """

    def __init__(self, instance: Instance, model: cp_model.CpModel):
        self.instance = instance
        self.model = model
        self.groups = self._make_groups(instance)
        self._requests: list[tuple[Block, cp_model.LinearExprT]] = []
        self._busy: dict[tuple[str, int], cp_model.IntVar] = {}  # (person, day) -> on a personal duty
        self._group_of = {p.id: k for k, g in enumerate(self.groups) for p in g.members}
        self._merged: list[list[StaffMember]] = []  # counted groups, built by finalize()
        self._merged_home: list[str] = []
        self._use: dict[tuple[int, Block], cp_model.IntVar] = {}
        self._finalized = False
        # BuildContext.new puts the rules below under rule-group literals when diagnosing
        self.enforce = lambda constraint, describe: constraint

    @staticmethod
    def _make_groups(instance: Instance) -> list[StaffGroup]:
        groups: dict[tuple, StaffGroup] = {}
        for p in sorted(instance.staff, key=lambda s: s.id):
            if p.closed_loop_site is not None:
                continue  # closed-loop rotation: only the isolation module may use them
            start, days_left = availability(instance, p)
            if days_left == 0:
                continue  # due a day off
            key = (p.home_township, tuple(sorted(set(p.skills))), p.hours_per_day, start, days_left)
            g = groups.get(key)
            if g is None:
                g = groups[key] = StaffGroup(key, p.home_township, frozenset(p.skills), p.hours_per_day,
                                             start, days_left)
            g.members.append(p)
        return [groups[k] for k in sorted(groups)]

    def staff(self, block: Block, count: cp_model.LinearExprT) -> None:
        """Hard: at least `count` eligible people work `block` (variables come at finalize)."""
        if self._finalized:
            raise RuntimeError("staff() after finalize()")
        self._requests.append((block, count))

    def finalize(self) -> None:
        """Create the counted staff variables, the supply of every block and the rule that a
        person takes at most one duty block a day (never two places at once)."""
        self._finalized = True
        blocks = sorted({b for b, _ in self._requests})
        by_town: dict[str, list[Block]] = defaultdict(list)
        for b in blocks:
            by_town[b.township].append(b)
        reach: dict[str, _Reach] = {}  # home -> blocks in its nearest townships, in block order
        merged: dict[tuple, int] = {}
        static_to_merged: dict[int, int] = {}
        eligible_of: list[tuple[int, ...]] = []  # indexes into blocks
        index = {b: i for i, b in enumerate(blocks)}
        for k, g in enumerate(self.groups):
            if g.home not in reach:
                near = [t for t in self.duty_towns(g.home) if t in by_town]
                reach[g.home] = _Reach(self.instance, g.home, sorted(b for t in near for b in by_town[t]), index)
            sig = reach[g.home].fitting(self.instance, g)
            key = (g.home, sig)
            if key not in merged:
                merged[key] = len(self._merged)
                self._merged.append([])
                self._merged_home.append(g.home)
                eligible_of.append(sig)
            m = merged[key]
            self._merged[m].extend(g.members)
            static_to_merged[k] = m
        for members in self._merged:
            members.sort(key=lambda p: p.id)
        supply: dict[Block, list] = defaultdict(list)
        for m, sig in enumerate(eligible_of):
            for b in map(blocks.__getitem__, sig):
                v = self.model.new_int_var(0, len(self._merged[m]), f"staff[{m},{b.role},{b.township},{b.day},{b.start_hour}]")
                self._use[m, b] = v
                supply[b].append(v)
        for b, count in self._requests:
            self.enforce(self.model.add(cp_model.LinearExpr.sum(supply[b]) >= count), lambda b=b: (
                f"staff.cover {b.module} {b.role} {b.township} day {b.day} {b.start_hour:g}-{b.end_hour:g}h",
                [f"{sum(list(v.proto.domain)[-1] for v in supply[b])} people of the pool may take this block"]))
        by_day: dict[tuple[int, int], list] = defaultdict(list)
        for (m, b), v in self._use.items():
            by_day[m, b.day].append(v)
        for (pid, day), v in self._busy.items():
            by_day[static_to_merged[self._group_of[pid]], day].append(v)
        for (m, day), vs in sorted(by_day.items(), key=lambda kv: kv[0]):
            if len(vs) > 1:  # a single counter is already bounded by its domain
                self.enforce(self.model.add(cp_model.LinearExpr.sum(vs) <= len(self._merged[m])), lambda m=m, day=day: (
                    f"staff.one_block_a_day {self._merged_home[m]} group {m} day {day}",
                    [f"staff {', '.join(p.id for p in self._merged[m][:5])}"
                     f"{' …' if len(self._merged[m]) > 5 else ''} ({len(self._merged[m])} alike)"]))

    def counters(self):
        """((counted group, block), variable) of every staff counter (after finalize)."""
        return self._use.items()

    def merged_group_of(self, person_id: str) -> int | None:
        """Index of the counted group a person belongs to (after finalize), or None."""
        if not hasattr(self, "_merged_of"):
            self._merged_of = {p.id: m for m, members in enumerate(self._merged) for p in members}
        return self._merged_of.get(person_id)

    def ledger(self) -> "StaffLedger":
        """A greedy allocator over the counted groups, shared by the modules' warm starts."""
        if not self._finalized:
            raise RuntimeError("ledger() before finalize()")
        if not hasattr(self, "_ledger"):
            self._ledger = StaffLedger(self)
        return self._ledger

    def duty_towns(self, home: str) -> frozenset[str]:
        """The townships counted people of this home are offered duties in: the
        `duty_townships` nearest within the commute limit, their own first."""
        if not hasattr(self, "_duty_towns"):
            self._duty_towns: dict[str, frozenset[str]] = {}
        if home not in self._duty_towns:
            sp = self.instance.policy.staff
            near = sorted((staff_travel_min(self.instance, home, t.id), t.id != home, t.id)
                          for t in self.instance.townships)
            within = [t for minutes, _, t in near if minutes <= sp.max_commute_min]
            self._duty_towns[home] = frozenset(within[:sp.duty_townships])
        return self._duty_towns[home]

    def offers(self, g: StaffGroup, block: Block) -> bool:
        """Whether the counted model lets people of group g take this block: the rules
        (`block_fits`) and the pool's restriction to their duty townships."""
        return block.township in self.duty_towns(g.home) and block_fits(self.instance, g, block)

    def eligible_supply(self, block: Block) -> int:
        """People who could take this block if nobody else needed them (for diagnostics)."""
        return sum(len(g.members) for g in self.groups if self.offers(g, block))

    def person_busy(self, person_id: str, day: int) -> cp_model.IntVar | None:
        """Boolean: this person is on a personal duty that day (tracing teams name people).

        A module that assigns named people links its assignments to this variable; the pool
        then keeps that person out of every counted block of the day. None if the person is
        not available that day (day off, closed loop).
        """
        k = self._group_of.get(person_id)
        if k is None or day >= self.groups[k].days_left:
            return None
        if (person_id, day) not in self._busy:
            self._busy[person_id, day] = self.model.new_bool_var(f"busy[{person_id},{day}]")
        return self._busy[person_id, day]

    def closed_loop(self, site_id: str) -> list[StaffMember]:
        """People in the closed-loop rotation of an isolation site (no other duty)."""
        return [p for p in sorted(self.instance.staff, key=lambda s: s.id) if p.closed_loop_site == site_id]

    def staff_hours_cost(self) -> cp_model.LinearExprT:
        """Soft (cost): staff-hours, travel included, at the policy's hourly cost."""
        rate = self.instance.policy.staff.hour_cost
        terms = []
        for (m, b), v in self._use.items():
            minutes = b.hours * 60 + 2 * staff_travel_min(self.instance, self._merged_home[m], b.township)
            terms.append(round(rate * minutes / 60) * v)
        return sum(terms)

    def extract(self, solver: cp_model.CpSolver) -> dict[Block, list[tuple[StaffMember, float]]]:
        """People per block with their one-way travel (min), filled in id order per group."""
        busy = {key for key, v in self._busy.items() if solver.value(v)}
        days = {b.day for (_, b) in self._use}
        free = {(m, day): [p for p in members if (p.id, day) not in busy]
                for m, members in enumerate(self._merged) for day in days}
        next_free: dict[tuple[int, int], int] = defaultdict(int)  # (group, day) -> next free member
        out: dict[Block, list[tuple[StaffMember, float]]] = defaultdict(list)
        for (k, b), v in sorted(self._use.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            n = solver.value(v)
            travel = staff_travel_min(self.instance, self._merged_home[k], b.township)
            first = next_free[k, b.day]
            out[b].extend((p, travel) for p in free[k, b.day][first: first + n])
            next_free[k, b.day] = first + n
        return out


class StaffLedger:
    """Greedy staffing for warm starts: takes people for blocks, nearest home first.

    Only a hint for the solver: it respects eligibility and one block a day per person,
    so a plan built from it is feasible, but it is not optimal.
    """

    def __init__(self, pool: StaffPool):
        self.pool = pool
        days = sorted({b.day for (_, b) in pool._use})
        self.left: dict[tuple[int, int], int] = {
            (m, day): len(members) for m, members in enumerate(pool._merged) for day in days}
        self.taken: dict[tuple[int, Block], int] = defaultdict(int)
        self._cells: dict[tuple[int, int], list[int]] = {}
        self._eligible: dict[Block, list[int]] = defaultdict(list)
        for (m, b) in pool._use:
            self._eligible[b].append(m)
        for b, ms in self._eligible.items():
            ms.sort(key=lambda m: (staff_travel_min(pool.instance, pool._merged_home[m], b.township), m))

    def group_left(self, person_id: str, day: int) -> list[int] | None:
        """A shared cell holding how many people of this person's counted group are still
        free that day (the same list object for everyone in the group), or None if the person
        is not in the pool that day."""
        m = self.pool.merged_group_of(person_id)
        if m is None or (m, day) not in self.left:
            return None
        return self._cells.setdefault((m, day), [self.left[m, day]])

    def take_person(self, person_id: str, day: int) -> bool:
        """Count a named person (e.g. on a tracing team) as used that day."""
        m = self.pool.merged_group_of(person_id)
        if m is None or self.left.get((m, day), 0) <= 0:
            return False
        self.left[m, day] -= 1
        return True

    def take_people(self, block: Block, people: list[str]) -> int:
        """Take these people (by id) for a block, as a module's own short solve placed them;
        returns how many the shared model could place (eligible here and still free)."""
        got = 0
        for pid in people:
            m = self.pool.merged_group_of(pid)
            if m is None or (m, block) not in self.pool._use or self.left.get((m, block.day), 0) <= 0:
                continue
            self.left[m, block.day] -= 1
            self.taken[m, block] += 1
            got += 1
        return got

    def available(self, block: Block) -> int:
        return sum(self.left[m, block.day] for m in self._eligible.get(block, ()))

    def take(self, block: Block, n: int) -> list[tuple[int, Block, int]] | None:
        """Take n people for a block, or nothing (None) if fewer are free."""
        if n <= 0:
            return []
        if self.available(block) < n:
            return None
        got = []
        for m in self._eligible[block]:
            k = min(n, self.left[m, block.day])
            if k:
                self.left[m, block.day] -= k
                self.taken[m, block] += k
                got.append((m, block, k))
                n -= k
            if n == 0:
                break
        return got

    def give_back(self, got: list[tuple[int, Block, int]]) -> None:
        for m, block, k in got:
            self.left[m, block.day] += k
            self.taken[m, block] -= k

    def add_hints(self) -> None:
        for (m, b), v in self.pool._use.items():
            self.pool.model.add_hint(v, self.taken.get((m, b), 0))
