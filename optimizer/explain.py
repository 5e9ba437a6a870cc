"""Explain a plan: a counterfactual for every shortage line, checked by a re-solve, marginal
values of the key resources, and the bottlenecks ranked by what one more unit buys.

1. **Reliefs** (optimizer/relief.py): the lines are grouped by the resource their binding phrase
   names, and each group gets the smallest relief sized from its shortage.
2. **Re-solves**: the modules of a relief's lines (supply with the roads its trucks drive on)
   are planned again, critical tier only (`solve(tiers=("critical",))`), one worker and a fixed
   seed, while everything else stays as planned: the other modules' demands are left out of the
   instance and the people the plan puts on their duties out of the pool (`scoped`). Each scope
   is solved once as it is (its *baseline*) and once per relief with the relief added, and a
   relief is judged against its baseline, not against the plan: a short re-solve is a different
   search from the plan's, and only two runs with the same settings differ by the relief alone.
   A scoped re-solve is what makes a budget of minutes enough (on the demo county: isolation
   alone ~10 s, the whole county ~30 s and more under load). The re-solves are independent, so
   they run two at a time in a process pool, most important first (critical shortage in
   critical-tier units), within the total budget; a relief whose re-solve would not finish in
   the time left is reported as not tried.
3. **Marginal values**: rooms of isolation sites from the isolation module's LP relaxation solved
   with one more room (optimizer/marginal.py; a row dual alone misses how rooms bound the
   variables); every other resource from its re-solve: the shortage of the lines it
   addresses, in their tier's units (docs/architecture.md's exchange rates), baseline less
   relief, ÷ units added. Only the addressed lines count, because a short re-solve moves other
   lines by search noise (supply's 10^4-10^5 person-days on the demo county) that would swamp
   a room's few person-days; the lines' modules' critical terms are kept beside it.
4. **Bottlenecks**: one row per resource, ranked by marginal value (unknown last), then by the
   critical shortage its lines hold; each shortage line gets its resource's counterfactual text.

A counterfactual is stated as verified only when its re-solve shows it; otherwise the text says
what the re-solve did show, or that it was not tried.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from models.config import SolveConfig
from models.instance import Instance
from models.plan import Plan, Shortage
from models.plan_explain import Bottleneck, Companion
from optimizer.relief import Relief, group, patch, propose, weight

log = logging.getLogger(__name__)
PROCESSES = 2  # the machine's cores; each re-solve uses one CP-SAT worker
OVERRUN = 1.15  # a re-solve may end this much after its limit (reading the plan out, routing)
SPAWN_S = 3.0  # starting a worker process (imports) before its first re-solve
FOLLOW = "with"  # job key (FOLLOW, k): relief k with the resources its re-solve found binding next


@dataclass
class Outcome:
    """What one re-solve showed: critical tier, the critical terms by name, shortage by line key."""

    status: str
    critical: float | None
    terms: dict[str, float]
    lines: dict[tuple, float]
    seconds: float
    short: list[Shortage] = field(default_factory=list)  # the re-solve's lines, for a follow-up relief
    critical_names: set[str] = field(default_factory=set)  # the critical tier's terms (baselines only)


@dataclass
class Explanation:
    plan: Plan
    tried: int = 0  # reliefs re-solved
    cleared: int = 0  # verified: the re-solve clears the lines
    cut: int = 0  # verified: the re-solve reduces them
    not_tried: list[str] = field(default_factory=list)
    seconds: float = 0.0


def line_key(line: Shortage) -> tuple:
    """A shortage line's identity across re-solves: the entity where it names one (a case's line
    may read `late` in one plan and `not traced` in another), the words where they carry the day."""
    words = line.what if line.entity is None or line.module in ("supply", "roads") else ""
    return (line.module, line.tier, line.township, line.entity, words)


def scope_of(modules: set[str]) -> frozenset[str]:
    """The modules a re-solve plans again: the relief's lines' modules (supply with the roads its
    trucks drive on)."""
    return frozenset(modules | ({"roads"} if "supply" in modules else set()))


def scoped(inst: Instance, plan: Plan, scope: frozenset[str]) -> Instance:
    """The instance as a re-solve of `scope` sees it: the other modules' demands left out and the
    people the plan puts on their duties taken out of the pool, so everything outside the scope
    stays as planned and the scope's modules are planned again with the people left."""
    data = inst.model_dump(mode="json")
    busy = {e.staff for e in plan.roster if e.module not in scope}
    if "sampling" not in scope:
        data["grids"] = []
    if "tracing" not in scope:
        data["cases"] = []
        data["policy"]["tracing"]["on_call_teams"] = 0
    if "isolation" not in scope:
        data["isolation_sites"], data["cohorts"] = [], []
        data["vehicles"] = [v for v in data["vehicles"] if v["kind"] != "transfer_bus"]
    if "roads" not in scope:
        data["road_arcs"], data["lifelines"], data["closure_requests"] = [], [], []
    if "supply" not in scope:
        data["demands"] = []
    sites = {s["id"] for s in data["isolation_sites"]}
    data["staff"] = [p for p in data["staff"] if p["id"] not in busy
                     and (p.get("closed_loop_site") is None or p["closed_loop_site"] in sites)]
    return Instance.model_validate(data)


def _resolve(inst: Instance, relief: Relief | None, seconds: float, seed: int) -> Outcome:
    """Critical tier of the (scoped) instance with the relief, one worker: run in a pool process.
    A baseline (no relief) also names the critical tier's terms of its scope."""
    from optimizer.solve import solve

    names = critical_term_names(inst) if relief is None else set()
    if relief is not None:
        inst = patch(inst, relief)
    t0 = time.perf_counter()
    quiet = logging.getLogger("optimizer.solve")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # dozens of re-solves: their retries and fallbacks are not the planner's news
    try:
        res = solve(inst, SolveConfig(time_limit_s=seconds, seed=seed, workers=1), tiers=("critical",))
    finally:
        quiet.setLevel(level)
    if res.plan is None or not res.tiers or res.tiers[0].value is None:
        return Outcome(res.status, None, {}, {}, time.perf_counter() - t0)
    lines: dict[tuple, float] = {}
    for x in res.plan.shortages:
        lines[line_key(x)] = lines.get(line_key(x), 0.0) + x.quantity
    return Outcome(res.status, res.tiers[0].value, res.objective_terms, lines, time.perf_counter() - t0,
                   res.plan.shortages, names)


def _ready() -> None:
    """A worker's first job: import what a re-solve needs (seconds under load)."""
    import optimizer.solve  # noqa: F401


def critical_term_names(inst: Instance) -> set[str]:
    """Names of the critical tier's terms, from the modules as they build (no solve)."""
    from optimizer.context import BuildContext
    from optimizer.modules import MODULES

    ctx = BuildContext.new(inst)
    for _, module in MODULES:
        module.build(ctx)
    return set(ctx.terms["critical"])


def explain(inst: Instance, plan: Plan, time_limit: float, resolve_s: float | None = None, seed: int = 0,
            processes: int = PROCESSES) -> Explanation:
    """The plan with a counterfactual on every shortage line and its bottlenecks ranked, within
    `time_limit` wall seconds; `resolve_s` the limit of each re-solve (default an eighth of the
    budget, at least 5 s and at most 30 s); `processes` re-solves at once (1: in this process)."""
    t0 = time.perf_counter()
    resolve_s = resolve_s or min(30.0, max(5.0, time_limit / 8))
    reliefs, rules = propose(inst, plan)
    scopes = [scope_of({plan.shortages[i].module for i in r.lines}) for r in reliefs]
    views: dict[frozenset[str], Instance] = {}  # made when a scope's first job is submitted
    outcomes: dict[object, Outcome] = {}  # a scope: its baseline; k: relief k; (FOLLOW, k): with companions
    scopes_of: dict[object, frozenset[str]] = dict(enumerate(scopes))
    companions: dict[int, list[Relief]] = {}
    followed: set[frozenset[str]] = set()
    jobs = _job_order(scopes)
    pending: dict[Future, object] = {}
    started = 0
    spawn = SPAWN_S if processes > 1 else 0.0

    def fits() -> bool:
        left = time_limit - (time.perf_counter() - t0)
        return left >= resolve_s * OVERRUN + (spawn if started < processes else 0.0)

    def submit(pool) -> None:
        nonlocal started
        while jobs and len(pending) < max(1, processes) and fits():
            k, r = jobs.pop(0)
            if isinstance(k, int):
                r = reliefs[k]
            sc = k if isinstance(k, frozenset) else scopes_of[k]
            if sc not in views:
                views[sc] = scoped(inst, plan, sc)
            pending[pool.submit(_resolve, views[sc], r, resolve_s, seed)] = k
            started += 1

    # spawn, not fork: HiGHS and CP-SAT keep threads that a forked child would inherit stopped
    with (ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"))
          if processes > 1 else _InProcess()) as pool:
        for _ in range(processes if processes > 1 else 0):
            pool.submit(_ready)  # workers import the optimizer while this process makes the first scope
        submit(pool)
        rooms = _room_values(inst)  # while the first re-solves run
        submit(pool)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                k = pending.pop(f)
                try:
                    outcomes[k] = f.result()
                except Exception as e:  # a failed re-solve is reported, not fatal
                    log.warning("re-solve %s failed: %s", k, e)
                    continue
                log.info("re-solve %s: %s, critical %s, %.1f s (at %.0f s)", _job_name(k, reliefs),
                         outcomes[k].status, outcomes[k].critical, outcomes[k].seconds, time.perf_counter() - t0)
                if isinstance(k, int):
                    follow = _follow_up(inst, plan, reliefs[k], outcomes[k])
                    if follow:  # the same lines: the relief with what bound them instead
                        # an area's first is tried next, later ones after every first relief: breadth first
                        job = ((FOLLOW, k), [reliefs[k], *follow])
                        if scopes[k] in followed:
                            jobs.append(job)
                        else:
                            jobs.insert(0, job)
                        scopes_of[(FOLLOW, k)] = scopes[k]
                        companions[k] = follow
                        followed.add(scopes[k])
            try:
                submit(pool)
            except BrokenProcessPool as e:  # a worker died: what ran stands, the rest is not tried
                log.warning("re-solves stopped: %s", e)
                jobs.clear()
    names = set().union(*(o.critical_names for o in outcomes.values()))
    bottlenecks = [_bottleneck(inst, plan, r, outcomes.get(k), outcomes.get(sc), names, rooms, sc,
                               companions.get(k, []), outcomes.get((FOLLOW, k)))
                   for k, (r, sc) in enumerate(zip(reliefs, scopes))]
    shown = {b.target for b in bottlenecks if b.kind == "rooms"}
    bottlenecks += [_room_only(site, value) for site, value in sorted(rooms.items()) if site not in shown]
    bottlenecks.sort(key=_rank_key)
    shortages = [x.model_copy() for x in plan.shortages]
    for b in bottlenecks:
        b.rank = bottlenecks.index(b) + 1
        for i in b.lines:
            shortages[i] = shortages[i].model_copy(update={"counterfactual": b.counterfactual})
    for i in rules:
        shortages[i] = shortages[i].model_copy(update={"counterfactual": "none: the binding is a rule or the input "
                                                                         "data, not a resource a unit more relieves"})
    out = Explanation(Plan.model_validate(plan.model_copy(update={"shortages": shortages,
                                                                  "bottlenecks": bottlenecks}).model_dump()))
    out.tried = sum(1 for k in outcomes if isinstance(k, int))
    out.cleared = sum(1 for b in bottlenecks if b.outcome == "verified")
    out.cut = sum(1 for b in bottlenecks if b.outcome == "cut")
    out.not_tried = [b.resource for b in bottlenecks if b.outcome == "not_tried"]
    out.seconds = time.perf_counter() - t0
    if reliefs and not started:
        log.warning("explain: no re-solve ran (time limit %.0f s < one re-solve of %.0f s)", time_limit, resolve_s)
    return out


class _InProcess:
    """An executor that runs each job when it is submitted (`processes=1`: no process to spawn,
    which on a tiny instance costs more than its re-solves)."""

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def submit(self, fn, *args) -> Future:
        f: Future = Future()
        try:
            f.set_result(fn(*args))
        except Exception as e:  # reported by the caller, as a pool's failure would be
            f.set_exception(e)
        return f


def _room_values(inst: Instance) -> dict[str, float]:
    from optimizer.marginal import room_values

    try:
        return {r.site: r.value for r in room_values(inst)}
    except ValueError as e:  # a constraint the LP translation does not read: no LP values, re-solves only
        log.warning("room values: %s", e)
        return {}


def _rank_key(b: Bottleneck) -> tuple:
    """Critical-tier values first, largest first; then routine-tier ones; unknown values last."""
    return (b.marginal_value is None, b.tier != "critical", -(b.marginal_value or 0.0), b.outcome == "no_lines",
            -len(b.lines), b.resource)


def _room_only(site: str, value: float) -> Bottleneck:
    """A site no shortage line names: its marginal value only."""
    text = (f"one more room at {site} buys {value:g} person-days (LP relaxation)" if value
            else f"one more room at {site} buys nothing: its rooms are not what runs out (LP relaxation)")
    return Bottleneck(rank=1, kind="rooms", resource=f"rooms at {site}", target=site, unit="rooms", relief=0,
                      counterfactual=text, outcome="no_lines", marginal_value=value, method="lp")


def _short(lines: list[Shortage], keys: list[tuple], outcome: Outcome | None, unit: str) -> float | None:
    if outcome is None or outcome.critical is None:
        return None
    return sum(outcome.lines.get(k, 0.0) for k, x in zip(keys, lines) if x.unit == unit)


def _module_critical(outcome: Outcome | None, modules: set[str], names: set[str]) -> float | None:
    if outcome is None or outcome.critical is None:
        return None
    return sum(v for n, v in outcome.terms.items() if n in names and n.split(".")[0] in modules)


def _job_name(k: object, reliefs: list[Relief]) -> str:
    if isinstance(k, frozenset):
        return "baseline of " + " and ".join(sorted(k))
    if isinstance(k, tuple):
        return reliefs[k[1]].resource() + " with what bound it next"
    return reliefs[k].resource()


def _job_order(scopes: list[frozenset[str]]) -> list[tuple[object, int | None]]:
    """Re-solve jobs: each area (scope) in turn, its baseline first and then its reliefs, most
    important first within the area; areas in the order of their most important relief. A budget
    too small for everything then still tries the top relief of every area, rather than all of
    one area whose units are large (a county's goods run to 10^5 person-days, its rooms to 10^3)."""
    by_scope: dict[frozenset[str], list[int]] = {}
    for k, sc in enumerate(scopes):
        by_scope.setdefault(sc, []).append(k)
    queues = [[(sc, None), *((k, None) for k in ks)] for sc, ks in by_scope.items()]
    out: list[tuple[object, int | None]] = []
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
                if isinstance(out[-1][0], frozenset) and q:  # a baseline: its first relief with it
                    out.append(q.pop(0))
    return out


def _follow_up(inst: Instance, plan: Plan, r: Relief, outcome: Outcome) -> list[Relief]:
    """Other resources the relief's re-solve names as binding for the lines the relief did not
    clear (one round: a relief and what it needs beside it, not a chain)."""
    keys = {line_key(plan.shortages[i]) for i in r.lines}
    left = [x for x in outcome.short if line_key(x) in keys]
    if outcome.critical is None or not left:
        return []
    found, _ = group(inst, left)
    return [f for f in found if f.key != r.key]


def _bottleneck(inst: Instance, plan: Plan, r: Relief, outcome: Outcome | None, base: Outcome | None,
                names: set[str], rooms: dict[str, float], scope: frozenset[str],
                follow: list[Relief], joint: Outcome | None) -> Bottleneck:
    lines = [plan.shortages[i] for i in r.lines]
    keys = [line_key(x) for x in lines]
    alone = outcome
    unit = max({x.unit for x in lines}, key=lambda u: sum(weight(inst, x) for x in lines if x.unit == u))
    planned = sum(x.quantity for x in lines if x.unit == unit)
    before = _short(lines, keys, base, unit)
    after = _short(lines, keys, outcome, unit)
    with_follow = _short(lines, keys, joint, unit)
    words = r.words()
    if with_follow is not None and after is not None and with_follow < after:
        # the relief and what bound the lines next did more than the relief alone: report that
        outcome, after = joint, with_follow
        words = " with ".join([r.words(), *(f.words() for f in follow)])
    else:
        follow = []
    modules = {x.module for x in lines}
    tier = "critical" if any(x.tier == "critical" for x in lines) else "routine"
    rate = {k: weight(inst, x) / x.quantity for k, x in zip(keys, lines) if x.tier == tier and x.quantity}
    crit_before, crit_after = _module_critical(base, modules, names), _module_critical(outcome, modules, names)
    subject = _subject(inst, lines, unit, planned)
    how = f"re-solve of {' and '.join(sorted(scope))}, other duties as planned"
    if outcome is None or base is None or after is None or before is None:
        state = "not_tried"
        text = f"proposed: {words} for {subject} (not tried: no time left for its re-solve)"
    elif before == 0:
        state = "not_cleared"
        text = (f"not shown by {words}: the baseline {how} had none of {subject} short "
                f"(replanned alone, the scope finds them a place)")
    elif after == 0:
        state = "verified"
        text = f"{words} clears {subject} (verified by a {how}: {before:g} → 0 {unit})"
    elif after < before:
        state = "cut"
        text = f"{words} cuts {subject} (verified by a {how}: {before:g} → {after:g} {unit})"
    else:
        state = "not_cleared"
        text = f"not cleared by {words} ({how}: still {after:g} {unit} short of {subject}, baseline {before:g})"
    if state in ("cut", "not_cleared") and outcome is not None and outcome.status != "OPTIMAL":
        text += "; the re-solve stopped at its time limit unproven: a longer one may do more"
    value, method = None, "none"
    if r.kind == "rooms" and r.target in rooms:
        value, method = rooms[r.target], "lp"
        text += f"; one more room there buys {value:g} person-days (LP relaxation)"
    elif before is not None and alone is not None and alone.critical is not None and r.total:
        # the addressed lines' shortage in their tier's units, baseline less the relief alone, per unit
        value, method = sum(w * (base.lines.get(k, 0.0) - alone.lines.get(k, 0.0))
                            for k, w in rate.items()) / r.total, "re_solve"
    gained = None
    if state in ("verified", "cut", "not_cleared") and outcome is not None and base is not None:
        gained = sum(w * (base.lines.get(k, 0.0) - outcome.lines.get(k, 0.0)) for k, w in rate.items())
    skill = ", ".join(sorted(r.units)) if r.kind in ("staff", "stock") else None
    return Bottleneck(rank=1, kind=r.kind, resource=r.resource(), target=r.target or "county", skill=skill,
                      unit=r.unit, relief=r.total, counterfactual=text, outcome=state, tier=tier,
                      companions=[Companion(kind=f.kind, target=f.target or "county", unit=f.unit, relief=f.total,
                                            skill=", ".join(sorted(f.units)) if f.kind in ("staff", "stock") else None)
                                  for f in follow],
                      shortage_before=before,
                      shortage_after=after, shortage_unit=unit, critical_before=crit_before,
                      critical_after=crit_after, marginal_value=value, relief_value=gained, method=method,
                      lines=list(r.lines))


def _subject(inst: Instance, lines: list[Shortage], unit: str, planned: float) -> str:
    """What the lines are short of, in the planner's words: `the 12 people of cohorts C1, C2`."""
    ents = sorted({x.entity for x in lines if x.entity})
    shown = ", ".join(ents[:3]) + (f", +{len(ents) - 3}" if len(ents) > 3 else "")
    noun = {"isolation": "cohorts", "sampling": "grids", "tracing": "cases", "supply": "goods", "roads": "zones"}
    module = lines[0].module
    if module == "tracing" and unit == "hours":
        return f"the {planned:g} late hours of {len(ents)} case{'s' if len(ents) != 1 else ''} ({shown})"
    if not ents:
        return f"the {planned:g} {unit} short"
    return f"the {planned:g} {unit} of {noun.get(module, 'lines')} {shown}"
