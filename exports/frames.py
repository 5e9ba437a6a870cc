"""Plan → one pandas DataFrame per sheet, in Chinese or English, without Excel.

Each sheet is one builder function registered with `@sheet(key, order)`. A builder returns a
`Sheet` (title, tables, notes) or None when its section of the plan is empty, so a new
sheet (tracing, isolation, roads, supplies …) is one function here plus its words in
labels.py. Every table has 序号 first and 备注 last; `Table.sum_columns` become the 合计 row.
Rows are sorted by township (in the instance's order), then by id in numeric order.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from exports import labels as L
from models.instance import Instance
from models.plan import Plan


@dataclass
class Table:
    """One table of a sheet: data with 序号 first and 备注 last, and what its 合计 row holds."""

    frame: pd.DataFrame
    sum_columns: tuple[str, ...] = ()
    count_column: str | None = None  # the 合计 row counts the rows in this column
    caption: str | None = None  # a heading above the header (the first table's in row 2, see exports/xlsx.py)
    empty_text: str | None = None  # shown in one row when the table has no data


@dataclass
class Sheet:
    key: str
    name: str
    title: str
    tables: list[Table]
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    """The instance, the plan and the language, with the lookups every builder needs."""

    instance: Instance
    plan: Plan
    lang: str

    def __post_init__(self) -> None:
        self.township_rank = {t.id: k for k, t in enumerate(self.instance.townships)}
        self.townships = self.instance.by_id("townships")

    def col(self, key: str, **fmt) -> str:
        return L.column(key, self.lang, **fmt)

    def word(self, group: str, code: object) -> str:
        return L.word(group, code, self.lang)

    def township_name(self, township_id: str | None) -> str:
        if township_id is None:
            return L.frame_text("all_townships", self.lang)
        t = self.townships.get(township_id)
        return t.name if t else township_id

    def name_of(self, collection: str, entity_id: str | None, attr: str = "name") -> str:
        if entity_id is None:
            return ""
        item = self.instance.by_id(collection).get(entity_id)
        return str(getattr(item, attr)) if item is not None else entity_id

    def any_name(self, entity_id: str) -> str:
        """The name of whatever entity has this id (township, site, lab …); else the id."""
        for collection in ("townships", "sampling_sites", "labs", "isolation_sites", "sources", "vehicles",
                           "commodities"):
            item = self.instance.by_id(collection).get(entity_id)
            if item is not None:
                return getattr(item, "name", None) or getattr(item, "plate", entity_id)
        return entity_id

    def township_key(self, township_id: str | None) -> tuple:
        """Townships in the instance's order; unknown ones after, county-wide rows last."""
        if township_id is None:
            return (2, ())
        rank = self.township_rank.get(township_id)
        return (0, rank) if rank is not None else (1, natural_key(township_id))

    def date_text(self, day: int) -> str:
        return (self.instance.plan_date + timedelta(days=day)).isoformat()

    def title(self, sheet_key: str) -> str:
        office = self.instance.issuing_office
        if self.lang == "zh":
            office = office.replace("办公室", "")
        return L.frame_text("title", self.lang, office=office, subject=L.sheet_subject(sheet_key, self.lang))


SheetBuilder = Callable[[Context], "Sheet | None"]
SHEET_BUILDERS: list[tuple[int, str, SheetBuilder]] = []


def sheet(key: str, order: int) -> Callable[[SheetBuilder], SheetBuilder]:
    """Register a sheet builder; sheets appear in `order`. A key registered again is replaced."""

    def register(fn: SheetBuilder) -> SheetBuilder:
        SHEET_BUILDERS[:] = [entry for entry in SHEET_BUILDERS if entry[1] != key]
        SHEET_BUILDERS.append((order, key, fn))
        SHEET_BUILDERS.sort(key=lambda entry: entry[0])
        return fn

    return register


def build_sheets(instance: Instance, plan: Plan, lang: str = "zh") -> list[Sheet]:
    """Every non-empty sheet of the plan, in workbook order."""
    if lang not in L.LANGS:
        raise ValueError(f"lang must be one of {', '.join(L.LANGS)}, not {lang!r}")
    ctx = Context(instance, plan, lang)
    out: list[Sheet] = []
    for _, _, builder in SHEET_BUILDERS:
        made = builder(ctx)  # a Sheet, None, or a list of sheets (one per vehicle …)
        out += [] if made is None else made if isinstance(made, list) else [made]
    from exports.pins import add_pin_columns  # 固定 / 决策代码 on the decision sheets (solve --pin)

    add_pin_columns(ctx, out)
    return out


def plan_frames(instance: Instance, plan: Plan, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """One DataFrame per sheet, keyed by sheet name, with the workbook's column names.

    The summary sheet holds two tables: its key figures under the sheet name and its
    per-township table under `总表（分乡镇）` / `Summary (by township)`.
    """
    frames: dict[str, pd.DataFrame] = {}
    for s in build_sheets(instance, plan, lang):
        frames[s.name] = s.tables[0].frame
        for extra in s.tables[1:]:
            frames[L.frame_text("by_township_key", lang) if s.key == "summary"
                   else f"{s.name}（{extra.caption}）"] = extra.frame
    return frames


# ---------------------------------------------------------------- helpers

def natural_key(text: object) -> tuple:
    """Sort key that orders the digits in ids as numbers: G9 before G10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", str(text)) if part)


def table(ctx: Context, rows: list[dict], keys: Iterable[str], *, headers: dict[str, str] | None = None,
          sums: Iterable[str] = (), **options) -> Table:
    """Rows (dicts keyed by column key) → Table with 序号 first, 备注 last, translated headers."""
    keys = ["no", *[k for k in keys if k not in ("no", "remarks")], "remarks"]
    headers = {k: (headers or {}).get(k) or ctx.col(k) for k in keys}
    data = [{**row, "no": n, "remarks": row.get("remarks", "")} for n, row in enumerate(rows, start=1)]
    frame = pd.DataFrame([[row.get(k) for k in keys] for row in data], columns=[headers[k] for k in keys])
    count_column = options.pop("count_column", None)
    return Table(frame, tuple(headers[k] for k in sums),
                 count_column=headers[count_column] if count_column else None, **options)


def number(value: float | None) -> int | float | None:
    """An integral float as int, so it is shown without decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value) if float(value).is_integer() else round(float(value), 2)


def clock(hours: float) -> str:
    minutes = round(hours * 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def shift_text(ctx: Context, start_hour: float, end_hour: float) -> str:
    """`08:00-20:00`; a duty ending after midnight reads `20:00-次日08:00`."""
    start_day, end_day = math.floor(start_hour / 24), math.floor(end_hour / 24)
    end = clock(end_hour)
    if end_day > start_day:
        if end_hour == (start_day + 1) * 24:
            end = "24:00"
        else:
            end = L.frame_text("next_day", ctx.lang, time=end)
    return f"{clock(start_hour)}-{end}"


def join(parts: Iterable[str], lang: str) -> str:
    return (", " if lang == "en" else "；").join(p for p in parts if p)


# ---------------------------------------------------------------- summary

def _sum_by(rows: Iterable, attr: str) -> dict:
    totals: dict = defaultdict(int)
    for row in rows:
        totals[row.township] += getattr(row, attr)
    return totals


def _unserved_by_township(ctx: Context) -> dict:
    totals: dict = defaultdict(int)
    for g in ctx.plan.sampling.grids:
        totals[g.township] += g.people - g.served
    return totals


# Per-township columns of the summary: (column key, counter(ctx) -> {township id: value}).
TownshipCounter = Callable[[Context], dict]
TOWNSHIP_COLUMNS: list[tuple[str, TownshipCounter]] = [
    ("population", lambda ctx: {t.id: t.population for t in ctx.instance.townships}),
    ("sites", lambda ctx: Counter(s.township for s in ctx.plan.sampling.sites)),
    ("desks", lambda ctx: _sum_by(ctx.plan.sampling.sites, "desks")),
    ("samplers", lambda ctx: _sum_by(ctx.plan.sampling.sites, "samplers")),
    ("unserved", _unserved_by_township),
    ("shortage_items", lambda ctx: Counter(s.township for s in ctx.plan.shortages)),
]


def _key_figures(ctx: Context) -> list[dict]:
    plan, meta, lang = ctx.plan, ctx.plan.meta, ctx.lang
    rows: list[dict] = []
    kpi_word, solve_word = ctx.word("category", "kpi"), ctx.word("category", "solve")
    for key, value in plan.kpis.items():
        name, unit = L.kpi(key, lang)
        rows.append({"category": kpi_word, "indicator": name, "value": number(value), "unit": unit})

    def solve(key: str, value: object, remark: str = "") -> None:
        name, unit = L.solve_row(key, lang)
        rows.append({"category": solve_word, "indicator": name, "value": value, "unit": unit, "remarks": remark})

    last_tier = L.remark("last_tier", lang, tier=L.priority_tier(meta.tiers[-1].get("name", ""), lang)) \
        if meta.tiers else ""
    solve("preset", ctx.word("preset", ctx.instance.policy.preset))
    solve("status", ctx.word("status", meta.status))
    solve("objective", number(meta.objective), last_tier)
    solve("best_bound", number(meta.best_bound), last_tier)
    solve("gap", None if meta.gap is None else round(meta.gap * 100, 4), last_tier)
    solve("seed", meta.seed)
    solve("workers", meta.workers)
    solve("deterministic", ctx.word("bool", meta.deterministic))
    solve("wall_seconds", round(meta.wall_seconds, 1))
    solve("time_limit_s", number(meta.time_limit_s))
    solve("instance", plan.instance)
    solve("instance_hash", meta.instance_hash[:16], L.remark("hash_prefix", lang))
    if meta.versions:
        solve("versions", join((f"{k} {v}" for k, v in sorted(meta.versions.items())), "en"))
    tier_word = ctx.word("category", "tier")
    for tier in meta.tiers:
        rows.append({"category": tier_word, "indicator": L.priority_tier(tier.get("name", ""), lang),
                     "value": number(tier.get("value")), "unit": "",
                     "remarks": L.remark("tier_status", lang, status=ctx.word("status", tier.get("status", "")),
                                         bound=_shown_number(tier.get("bound")),
                                         seconds=_shown_number(tier.get("seconds")))})
    term_word = ctx.word("category", "term")
    for name, value in meta.objective_terms.items():
        label, unit = L.term(name, lang)
        rows.append({"category": term_word, "indicator": label, "value": number(value), "unit": unit})
    return rows


@sheet("summary", order=0)
def summary_sheet(ctx: Context) -> Sheet:
    """总表: key figures and solve facts (Part A), then one row per township (Part B)."""
    part_a = table(ctx, _key_figures(ctx), ["category", "indicator", "value", "unit"])
    counters = [(key, counter(ctx)) for key, counter in TOWNSHIP_COLUMNS]
    township_ids = [t.id for t in ctx.instance.townships]
    if any(None in values for _, values in counters):
        township_ids.append(None)  # shortages that belong to no township
    rows = []
    for tid in township_ids:
        t = ctx.townships.get(tid)
        row = {"township": ctx.township_name(tid), "risk": ctx.word("risk", t.risk_level) if t else "",
               "remarks": L.remark("sealed", ctx.lang) if t and t.sealed else ""}
        row.update({key: values.get(tid, 0) for key, values in counters})
        rows.append(row)
    keys = [key for key, _ in TOWNSHIP_COLUMNS]
    part_b = table(ctx, rows, ["township", "risk", *keys], sums=keys, caption=L.frame_text("part_b", ctx.lang))
    as_of = ctx.instance.plan_date - timedelta(days=1)
    notes = [
        L.note("summary_source", ctx.lang, as_of=_as_of_text(as_of, ctx.instance.as_of_hour, ctx.lang)),
        L.note("summary_preset", ctx.lang, preset=ctx.word("preset", ctx.instance.policy.preset)),
        L.note("summary_shortages", ctx.lang, sheet=L.sheet_name("shortages", ctx.lang)),
    ]
    return Sheet("summary", L.sheet_name("summary", ctx.lang), ctx.title("summary"), [part_a, part_b], notes)


def _shown_number(value: float | None) -> str:
    n = number(value)
    return "—" if n is None else f"{n:,}"


def _as_of_text(day: date, hour: int, lang: str) -> str:
    return f"{day:%Y-%m-%d} {hour:02d}:00" if lang == "en" else f"{day.year}年{day.month}月{day.day}日{hour}时"


# ---------------------------------------------------------------- sampling

def _shift_names(ctx: Context) -> list[str]:
    names = [s.name for s in ctx.instance.policy.sampling.shifts]
    extra = sorted({n for s in ctx.plan.sampling.sites for n in s.desks_by_shift} - set(names), key=natural_key)
    return names + extra


def _sampling_notes(ctx: Context) -> list[str]:
    sp, lang = ctx.instance.policy.sampling, ctx.lang
    shifts = join((f"{s.name} {shift_text(ctx, s.start_hour, s.end_hour)}" for s in sp.shifts), lang)
    return [
        L.note("site_kinds", lang),
        L.note("crew", lang, samplers=sp.crew_per_desk.get("sampler", 0),
               registrars=sp.crew_per_desk.get("registrar", 0), rate=sp.swabs_per_desk_hour, wait=sp.wait_limit_min),
        L.note("shifts", lang, shifts=shifts),
    ]


@sheet("sampling_sites", order=100)
def sampling_sites_sheet(ctx: Context) -> Sheet | None:
    """采样点设置: one row per opened sampling site."""
    sites = ctx.plan.sampling.sites
    if not sites:
        return None
    candidates = ctx.instance.by_id("sampling_sites")
    grids_served = Counter(g.site for g in ctx.plan.sampling.grids if g.site is not None and g.served > 0)
    shift_names = _shift_names(ctx)
    shift_keys = [f"shift:{n}" for n in shift_names]
    rows = []
    for s in sorted(sites, key=lambda s: (ctx.township_key(s.township), natural_key(s.site))):
        cand = candidates.get(s.site)
        t = ctx.townships.get(s.township)
        remarks = [L.remark("over_capacity", ctx.lang) if s.people > s.capacity else "",
                   L.remark("sealed", ctx.lang) if t is not None and t.sealed else ""]
        rows.append({
            "township": ctx.township_name(s.township), "site_name": cand.name if cand else s.site,
            "site_kind": ctx.word("site_kind", cand.kind) if cand else "", "opening": s.opening,
            "desks": s.desks, **{k: s.desks_by_shift.get(n, 0) for k, n in zip(shift_keys, shift_names)},
            "grids_served": grids_served.get(s.site, 0), "people_planned": s.people, "capacity": s.capacity,
            "tubes": s.tubes, "samplers": s.samplers, "registrars": s.registrars,
            "remarks": join(remarks, ctx.lang),
        })
    counts = ["desks", *shift_keys, "grids_served", "people_planned", "capacity", "tubes", "samplers", "registrars"]
    headers = {k: ctx.col("desks_in_shift", shift=n) for k, n in zip(shift_keys, shift_names)}
    t = table(ctx, rows, ["township", "site_name", "site_kind", "opening", *counts], headers=headers, sums=counts)
    return Sheet("sampling_sites", L.sheet_name("sampling_sites", ctx.lang), ctx.title("sampling_sites"), [t],
                 _sampling_notes(ctx))


@sheet("grids", order=110)
def grids_sheet(ctx: Context) -> Sheet | None:
    """网格分配: one row per grid and the site that samples it."""
    assignments = ctx.plan.sampling.grids
    if not assignments:
        return None
    grids, sp = ctx.instance.by_id("grids"), ctx.instance.policy.sampling
    rows = []
    for a in sorted(assignments, key=lambda a: (ctx.township_key(a.township), natural_key(a.grid))):
        grid, t = grids.get(a.grid), ctx.townships.get(a.township)
        limit = sp.walk_limit_min.get(t.terrain) if t is not None else None
        remarks = []
        if a.site is None:
            remarks.append(L.remark("no_site", ctx.lang))
        elif a.served < a.people:
            remarks.append(L.remark("part_served", ctx.lang, n=a.people - a.served))
        if limit is not None and a.walk_min is not None and a.walk_min > limit:
            remarks.append(L.remark("walk_over", ctx.lang, limit=limit))
        rows.append({
            "township": ctx.township_name(a.township), "grid": a.grid,
            "households": grid.households if grid else None, "people_due": a.people,
            "assigned_site": ctx.name_of("sampling_sites", a.site),
            "walk_min": None if a.walk_min is None else round(a.walk_min, 1),
            "tubes": a.tubes, "served": a.served, "unserved": a.people - a.served,
            "remarks": join(remarks, ctx.lang),
        })
    sums = ["households", "people_due", "tubes", "served", "unserved"]
    t = table(ctx, rows, ["township", "grid", "households", "people_due", "assigned_site", "walk_min",
                          "tubes", "served", "unserved"], sums=sums)
    lang = ctx.lang
    minutes = " min" if lang == "en" else "分钟"
    limits = join((f"{ctx.word('terrain', k)} {v}{minutes}" for k, v in sp.walk_limit_min.items()), lang)
    pools = join((f"{ctx.word('risk', k)} {_pool_word(v, lang)}" for k, v in sp.pool_size.items()), lang)
    notes = [L.note("walk", lang, limits=limits, detour=sp.walk_detour, speed=sp.walk_speed_kmh),
             L.note("pooling", lang, pools=pools),
             L.note("unserved", lang, sheet=L.sheet_name("shortages", lang))]
    return Sheet("grids", L.sheet_name("grids", lang), ctx.title("grids"), [t], notes)


def _pool_word(size: int, lang: str) -> str:
    if lang == "en":
        return "single tube" if size == 1 else f"{size}-in-1"
    return "单人单管" if size == 1 else f"{size}合1"


# ---------------------------------------------------------------- roster

_POST_COLLECTIONS = {"sampling": ("sampling_sites", "name"), "isolation": ("isolation_sites", "name"),
                     "supply": ("vehicles", "plate"), "roads": ("road_arcs", "section")}


def _post_name(ctx: Context, module: str, location: str) -> str:
    """The post as a planner names it: site name, vehicle plate, road section; else the id."""
    if module == "tracing":  # the tracing module posts people to cases, the on-call rota or IT support
        if location == "on_call":
            return L.remark("post_on_call", ctx.lang)
        if location.startswith("it_support_"):
            return L.remark("post_it_support", ctx.lang, district=location.removeprefix("it_support_"))
        if location not in ctx.instance.by_id("isolation_sites"):
            cases = location.split(",")
            return L.remark("post_cases", ctx.lang, cases=("、" if ctx.lang == "zh" else ", ").join(cases))
    collection = _POST_COLLECTIONS.get(module)
    if collection and location in ctx.instance.by_id(collection[0]):
        return ctx.name_of(collection[0], location, collection[1])
    for other in ("sampling_sites", "isolation_sites", "sources"):
        if location in ctx.instance.by_id(other):
            return ctx.name_of(other, location)
    return location


@sheet("roster", order=800)
def roster_sheet(ctx: Context) -> Sheet | None:
    """人员排班: one row per person and duty."""
    roster = ctx.plan.roster
    if not roster:
        return None
    staff = ctx.instance.by_id("staff")
    role_order = {r: k for k, r in enumerate(L.WORDS["role"])}
    ordered = sorted(roster, key=lambda e: (ctx.township_key(e.township), e.day + math.floor(e.start_hour / 24),
                                            natural_key(e.location), e.start_hour % 24,
                                            role_order.get(e.role, len(role_order)), natural_key(e.staff)))
    rows = []
    for e in ordered:
        person = staff.get(e.staff)
        rows.append({
            "township": ctx.township_name(e.township),
            "date": ctx.date_text(e.day + math.floor(e.start_hour / 24)),
            "shift": shift_text(ctx, e.start_hour, e.end_hour),
            "post": _post_name(ctx, e.module, e.location), "role": ctx.word("role", e.role), "name": e.name,
            "home": ctx.township_name(person.home_township) if person else "",
            "phone": (person.phone or "") if person else "",
            "duty_hours": number(round(e.end_hour - e.start_hour, 2)),
            "remarks": L.remark("commute", ctx.lang, min=round(e.travel_min)) if e.travel_min >= 1 else "",
        })
    t = table(ctx, rows, ["township", "date", "shift", "post", "role", "name", "home", "phone", "duty_hours"],
              sums=["duty_hours"])
    sp, lang = ctx.instance.policy.staff, ctx.lang
    by_role = Counter(r["role"] for r in rows)
    each = "{role} {n}" if lang == "en" else "{role}{n}人次"
    parts = ("，" if lang == "zh" else ", ").join(each.format(role=role, n=n) for role, n in by_role.most_common())
    notes = [L.note("by_role", lang, total=len(rows), parts=parts),
             L.note("rest", lang, rest=sp.min_rest_hours, days=sp.max_days_in_row, commute=sp.max_commute_min),
             L.note("phones", lang)]
    return Sheet("roster", L.sheet_name("roster", lang), ctx.title("roster"), [t], notes)


# ---------------------------------------------------------------- shortages

def _entity_name(ctx: Context, entity: str | None) -> str:
    if entity is None:
        return ""
    for collection in ("grids", "cases", "cohorts", "sampling_sites", "isolation_sites", "commodities",
                       "lifelines", "road_arcs"):
        item = ctx.instance.by_id(collection).get(entity)
        if item is not None:
            return getattr(item, "name", None) or entity
    return entity


@sheet("shortages", order=900)
def shortages_sheet(ctx: Context) -> Sheet:
    """缺口: what the plan cannot cover, critical first; always present, 无 when empty."""
    tier_order = {"critical": 0, "routine": 1}
    module_order = {m: k for k, m in enumerate(L.WORDS["module"])}
    ordered = sorted(ctx.plan.shortages, key=lambda s: (tier_order[s.tier], ctx.township_key(s.township),
                                                         module_order.get(s.module, 99), natural_key(s.entity or "")))
    rows = [{
        "module": ctx.word("module", s.module), "tier": ctx.word("tier", s.tier),
        "what": L.phrase(s.what, ctx.lang, ctx.any_name),
        "township": ctx.township_name(s.township), "quantity": number(s.quantity),
        "unit": ctx.word("unit", s.unit), "binding": L.phrase(s.binding_resource, ctx.lang, ctx.any_name),
        "remarks": L.remark("entity", ctx.lang, entity=_entity_name(ctx, s.entity)) if s.entity else "",
    } for s in ordered]
    t = table(ctx, rows, ["module", "tier", "what", "township", "quantity", "unit", "binding"],
              count_column="what", empty_text=L.frame_text("none", ctx.lang))
    notes = [L.note("tiers", ctx.lang), L.note("binding", ctx.lang)]
    return Sheet("shortages", L.sheet_name("shortages", ctx.lang), ctx.title("shortages"), [t], notes)


from exports import sheets_tracing  # noqa: E402,F401  (registers the 流调 sheet)
from exports import sheets_isolation  # noqa: E402,F401  (registers the 集中隔离 sheets)
from exports import sheets_roads  # noqa: E402,F401  (registers the 道路管控 sheets)
from exports import sheets_supply  # noqa: E402,F401  (registers the 物资保供 sheets)
from exports import sheets_changes  # noqa: E402,F401  (registers the 变更 sheet of a re-plan)
from exports import sheets_bottlenecks  # noqa: E402,F401  (registers the 瓶颈 sheet of an explained plan)
