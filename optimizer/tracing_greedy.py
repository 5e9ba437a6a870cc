"""A feasible tracing schedule built greedily: the solver's warm start, and on large days the
guide that keeps the model small.

List scheduling: repeatedly take the case whose tracing saves the most lateness per minute
of work if started as early as an epidemiologist, a police officer and the district's IT
support allow, and give it to the people who become free last before that start (best fit,
home township first). People the on-call rota will need are set aside first. Rules kept:
one duty township a day, no overlap, the span within the hours, rest, IT per shift.
"""

from __future__ import annotations

import copy
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from models.instance import Instance, StaffMember, TracingCase
from optimizer.tracing_assign import Candidate
from optimizer.tracing_rules import DAY_END, ROLES, district_of, lateness

SHAKES = 40  # perturbed orders tried by `shaken_schedule` (0.03 s each on the demo county)
SHAKE_MIN = (10.0, 20.0, 30.0)  # their spread, in minutes of start, one drawn per try (demo: 15-30 found
# the best plans, 45 none of them; five seeds of 50 tries ended at 769-797 hours late from 833)


@dataclass(eq=False)
class _Person:
    cand: Candidate
    base: str | None = None
    first: int | None = None
    free: int = 0
    room: list[int] | None = None  # people its pool group can still spare today (shared cell)

    def can_start_day(self) -> bool:
        return self.first is not None or self.room is None or self.room[0] > 0


@dataclass
class GreedyPlan:
    start: dict[int, int] = field(default_factory=dict)  # case -> start (min)
    team: dict[int, dict[str, str]] = field(default_factory=dict)  # case -> role -> person id
    set_aside: set[str] = field(default_factory=set)  # people kept for the on-call rota

    def late_hours(self, inst: Instance, cases: list[TracingCase]) -> int:
        """Hours late summed over the cases, a case not started counted as started at 24:00."""
        return sum(sum(lateness(inst, c, self.start.get(i))) for i, c in enumerate(cases))

    def person_cases(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = defaultdict(list)
        for i, roles in self.team.items():
            for pid in roles.values():
                out[pid].append(i)
        return out


def set_aside_for_on_call(inst: Instance, cands: dict[str, list[Candidate]], bases: list[str],
                          shifts: list[tuple[int, int]], eligible: Callable[[int, str, str], list[StaffMember]]
                          ) -> set[str]:
    """Teams to leave free for the on-call shifts: an epidemiologist and a police officer the
    pool lets stand by at one on-call base for the whole shift (`eligible(shift, base, role)`),
    needed least elsewhere; the shift with the fewest such pairs is served first. Not only the
    base's residents: on the demo county none of them is free from 00:00, and the night shift
    went without a team (400 critical units) while its cases took every early investigator."""
    need = inst.policy.tracing.on_call_teams
    cand_ids = {c.person.id for role in ROLES for c in cands[role]}

    def rank(p: StaffMember, t: str) -> tuple:
        # Non-candidates first, then residents (no lending), then people with no other skill
        # (sampling's warm start, which runs first, takes doctors and nurses), then the last ids.
        return p.id in cand_ids, p.home_township != t, len(set(p.skills)) > 1, [-ord(ch) for ch in p.id]

    fits = {(s, t, role): sorted(eligible(s, t, role), key=lambda p, t=t: rank(p, t))
            for s in range(len(shifts)) for t in bases for role in ROLES}
    out: set[str] = set()

    def free(s: int, t: str, role: str) -> list[StaffMember]:
        return [p for p in fits[s, t, role] if p.id not in out]

    def pairs(s: int) -> int:
        return sum(min(len(free(s, t, "epidemiologist")), len(free(s, t, "police"))) for t in bases)

    for s in sorted(range(len(shifts)), key=lambda s: (pairs(s), s)):
        for _ in range(need):
            for t in bases:
                epi, pol = free(s, t, "epidemiologist"), free(s, t, "police")
                if epi and pol and epi[0].id != pol[0].id:
                    out |= {epi[0].id, pol[0].id}
                    break
    return out


def greedy_schedule(inst: Instance, cases: list[TracingCase], work: list[int], window: list[tuple[int, int]],
                    cands: dict[str, list[Candidate]], shifts: list[tuple[int, int]],
                    it_people: dict[str, list[tuple[str, frozenset[int]]]], set_aside: set[str],
                    room: dict[str, list[int]] | None = None, priority: list[float] | None = None) -> GreedyPlan:
    """The greedy schedule; `it_people[district]`: (IT supporter, shifts they could work);
    `room[person]`: a cell shared by the person's pool group, how many of it may still be used;
    `priority[case]`: take the cases in this order, lowest first, instead of by the lateness
    each saves per minute of work."""
    state: dict[str, _Person] = {}
    allowed: dict[int, dict[str, list[_Person]]] = defaultdict(lambda: {r: [] for r in ROLES})
    for role in ROLES:
        for c in cands[role]:
            pid = c.person.id
            if pid in set_aside:
                continue
            if pid not in state:  # one state per person, shared by the roles they may take
                state[pid] = _Person(Candidate(c.person, {}), free=min(d.earliest for d in c.duty.values()),
                                     room=(room or {}).get(pid))
            st = state[pid]
            st.cand.duty.update(c.duty)
            st.free = min(st.free, min(d.earliest for d in c.duty.values()))
            for i in c.cases:
                allowed[i][role].append(st)
    it = _ITLedger(inst, shifts, it_people, room or {})
    plan = GreedyPlan(set_aside=set(set_aside))
    idle_late = [sum(lateness(inst, c, None)) for c in cases]
    pending = set(range(len(cases)))
    cache: dict[int, tuple | None] = {}
    while pending:
        best = None
        for i in sorted(pending):
            if i not in cache:
                cache[i] = _earliest_team(cases[i], work[i], window[i], allowed[i], it, shifts)
            choice = cache[i]
            if choice is None:
                continue
            t, team = choice
            gain = idle_late[i] - sum(lateness(inst, cases[i], t))
            key = (gain / work[i], -t, -i) if priority is None else (-priority[i], -t, -i)
            if gain > 0 and (best is None or key > best[0]):
                best = (key, i, t, team)
        if best is None:
            break
        _, i, t, team = best
        pending.discard(i)
        plan.start[i] = t
        plan.team[i] = {}
        for role, st in team.items():
            if st.first is None and st.room is not None:
                st.room[0] -= 1
            st.base = cases[i].township
            st.first = t if st.first is None else st.first
            st.free = t + work[i]
            plan.team[i][role] = st.cand.person.id
        it.add(cases[i].township, t)
        # People only get busier, so a cached choice stays the earliest while its people and
        # its IT shift are untouched; the others are recomputed.
        for j, c in list(cache.items()):
            if c is not None and (any(st is mine for st in c[1].values() for mine in team.values())
                                  or not all(st.can_start_day() for st in c[1].values())
                                  or not it.can_add(cases[j].township, c[0])):
                del cache[j]
    return plan


class _ITLedger:
    """IT supporters taken per district and shift, one per `it_cases_per_shift` case starts;
    `people[district]`: (person, shifts they could work) for the district's IT support."""

    def __init__(self, inst: Instance, shifts, people: dict[str, list[tuple[str, frozenset[int]]]],
                 room: dict[str, list[int]]):
        self.inst, self.shifts, self.people = inst, shifts, people
        self.per = inst.policy.tracing.it_cases_per_shift
        self.cases: dict[tuple[str, int], int] = defaultdict(int)
        self.taken: set[str] = set()
        # the pool groups' cells shared with the investigators (greedy_schedule's `room`): an IT
        # supporter is one more person of their group on duty, so the joint hint can give them
        self.room = room

    def _free(self, d: str, s: int) -> list[tuple[str, frozenset[int]]]:
        return [(pid, ok) for pid, ok in self.people.get(d, []) if s in ok and pid not in self.taken
                and (pid not in self.room or self.room[pid][0] > 0)]

    def can_add(self, township: str, t: int) -> bool:
        d, s = district_of(self.inst, township), _shift(self.shifts, t)
        return self.cases[d, s] % self.per != 0 or bool(self._free(d, s))

    def add(self, township: str, t: int) -> None:
        d, s = district_of(self.inst, township), _shift(self.shifts, t)
        if self.cases[d, s] % self.per == 0:  # a new supporter: the one who could work fewest shifts
            pid, _ = min(self._free(d, s), key=lambda po: (len(po[1]), po[0]))
            self.taken.add(pid)
            if pid in self.room:
                self.room[pid][0] -= 1
        self.cases[d, s] += 1


def _shift(shifts, t: int) -> int:
    return next((s for s, (a, b) in enumerate(shifts) if a <= t < b), len(shifts) - 1)


def _offer(st: _Person, case: TracingCase, w: int, lo: int, hi: int) -> tuple[int, int] | None:
    """The starts [first, last] at which this person could take the case, or None."""
    if st.base not in (None, case.township) or not st.can_start_day():
        return None
    d = st.cand.duty[case.township]
    first = max(lo, st.free, d.earliest)
    last = hi if st.first is None else min(hi, st.first + d.span - w)
    return (first, last) if first <= last else None


def _earliest_team(case: TracingCase, w: int, window: tuple[int, int], allowed: dict[str, list[_Person]],
                   it: _ITLedger, shifts) -> tuple[int, dict[str, _Person]] | None:
    """Earliest start with a free epidemiologist, police officer and IT capacity; and who.

    Each person offers an interval of possible starts; the earliest start is the first moment
    (some person's first possible start, or a shift start for IT) that every role covers."""
    lo, hi = window
    offers = {}
    for role in ROLES:
        offers[role] = [(o, st) for st in allowed[role] if (o := _offer(st, case, w, lo, hi)) is not None]
        if not offers[role]:
            return None
    moments = sorted({o[0] for role in ROLES for o, _ in offers[role]} | {a for a, _ in shifts if lo <= a <= hi})
    for t in moments:
        team: dict[str, _Person] = {}
        for role in ROLES:
            fit = [st for (a, b), st in offers[role] if a <= t <= b and all(st is not x for x in team.values())]
            if not fit:
                break
            # best fit: the one free last, then an already started one, home first, then id
            team[role] = max(fit, key=lambda st: (st.free if st.first is not None else -1,
                                                  st.cand.person.home_township == case.township,
                                                  [-ord(ch) for ch in st.cand.person.id]))
        if len(team) == len(ROLES) and it.can_add(case.township, t):
            return t, team
    return None


def shaken_schedule(inst: Instance, cases: list[TracingCase], work: list[int], window: list[tuple[int, int]],
                    cands: dict[str, list[Candidate]], shifts: list[tuple[int, int]],
                    it_people: dict[str, list[tuple[str, frozenset[int]]]], set_aside: set[str],
                    room: dict[str, list[int]] | None, priority: list[float] | None, seed: int,
                    deadline: float) -> tuple[GreedyPlan, list[float] | None]:
    """The greedy schedule in `priority`'s order, then in up to `SHAKES` orders around the best
    one so far (each case's place moved by a normal draw of a `SHAKE_MIN` spread, seeded), keeping
    the plan with the fewest hours late; returns it and its order. Without `priority` the shaken
    order is the best plan's starts. Stops at `deadline` (a `time.perf_counter()` value): the
    plan then depends on the clock. Each try takes `room` as it was, and the plan kept is made
    again on `room` itself, so the cells are used as by one greedy run.

    Why: list scheduling takes the cases in one order and never revisits it. On the demo county
    the warm start's schedule, made after isolation has taken its staff, was 833 hours late in
    the relaxation's order and 957 in the greedy's own; shaken, 769-797 (five seeds), which the
    first tier's slice does not reach from 833."""
    def run(order):
        return greedy_schedule(inst, cases, work, window, cands, shifts, it_people, set_aside,
                               copy.deepcopy(room), priority=order)

    rng = random.Random(seed)
    best_order, best = priority, run(priority)
    best_hours = best.late_hours(inst, cases)
    for _ in range(SHAKES):
        if time.perf_counter() >= deadline:
            break
        base = best_order if best_order is not None else [best.start.get(i, DAY_END) for i in range(len(cases))]
        spread = rng.choice(SHAKE_MIN)
        order = [t + rng.gauss(0.0, spread) for t in base]
        plan = run(order)
        hours = plan.late_hours(inst, cases)
        if hours < best_hours:
            best_order, best, best_hours = order, plan, hours
    return greedy_schedule(inst, cases, work, window, cands, shifts, it_people, set_aside, room,
                           priority=best_order), best_order
