"""集中隔离 / Isolation sheets: cohorts to sites, rooms day by day, closed-loop transfers.

Three sheets (WORKBOOKS.md §3.6–3.8): `集中隔离安置` (each cohort's site, people, admission and
release, and a 一览表 per site), `房间使用` (free rooms per site and day, and each day's rooms,
people and staff needed per shift) and `转运安排` (trips per bus, day and run). Their words
are registered into `exports.labels` here, next to the sheets that use them.
"""

from __future__ import annotations

from collections import defaultdict

from exports import labels as L
from exports.frames import Context, Sheet, join, natural_key, sheet, table

L.SHEETS.update({
    "isolation": ("集中隔离安置", "Isolation", "集中隔离人员安置一览表", "Isolation placements"),
    "room_occupancy": ("房间使用", "Room occupancy", "隔离房间使用情况表", "Isolation rooms by day"),
    "transfers": ("转运安排", "Transfers", "集中隔离人员转运安排表", "Closed-loop transfers"),
})
L.COLUMNS.update({
    "origin": ("来源（乡镇/口岸）", "From (township or port)"),
    "person_category": ("人员类别", "Category"),
    "cohort": ("批次编号", "Cohort"),
    "iso_site": ("隔离点名称", "Isolation site"),
    "iso_township": ("所在乡镇（街道）", "Site township"),
    "iso_people": ("安置人数（人）", "People"),
    "iso_carers": ("其中陪护（人）", "Of them carers"),
    "iso_rooms": ("房间（间）", "Rooms"),
    "admit_date": ("入住日期", "Admitted"),
    "release_date": ("预计解除日期", "Released"),
    "transfer_min": ("转运时间（分钟）", "Transfer (min)"),
    "site_status": ("启用状态", "Status"),
    "rooms_total": ("隔离房间（间）", "Rooms"),
    "rooms_used_day0": ("执行日已使用（间）", "Used, plan date"),
    "rooms_free_day0": ("执行日空余（间）", "Free, plan date"),
    "admitted_total": ("本期新增入住（人）", "Admitted this plan"),
    "released_total": ("本期解除（人）", "Released this plan"),
    "peak_people": ("在隔人数峰值（人）", "Peak occupants"),
    "medical_day0": ("执行日医护每班（人）", "Medical per shift, plan date"),
    "free_on": ("{date}空余（间）", "Free {date}"),
    "usable": ("可用房间（间）", "Usable rooms"),
    "occupied": ("已使用（间）", "Occupied"),
    "free": ("空余（间）", "Free"),
    "occupants": ("在隔人数（人）", "Occupants"),
    "day_admitted": ("当日入住（人）", "Admitted"),
    "day_released": ("当日解除（人）", "Released"),
    "doctors_shift": ("医生每班（人）", "Doctors per shift"),
    "nurses_shift": ("护士每班（人）", "Nurses per shift"),
    "nonmedical_shift": ("工作人员每班（人）", "Non-medical per shift"),
    "plate": ("车牌号", "Plate"),
    "seats": ("车型（座）", "Seats"),
    "pickup": ("出发地（乡镇/口岸）", "Pick-up"),
    "destination": ("目的隔离点", "Destination site"),
    "trips": ("车次（趟）", "Trips"),
    "moved": ("转运人数（人）", "People"),
    "depart": ("首趟出发时间", "First departure"),
    "one_way": ("单程时间（分钟）", "One way (min)"),
})
L.WORDS["person_category"] = {
    "close_contact": ("密接", "Close contact"), "secondary_contact": ("次密接", "Secondary contact"),
    "inbound": ("入境人员", "Inbound traveller"),
}
L.WORDS["site_status"] = {
    "active": ("已启用", "In use"), "activated": ("备用（本期启用）", "Reserve, activated"),
    "reserve": ("备用", "Reserve"),
}
L.WORDS["unit"].setdefault("person-days", ("人天", "person-days"))
L.NOTES.update({
    "iso_rules": ("集中隔离一人一间，未成年人、老年人、残疾人可由1名陪护同住；隔离期限按{preset}：{stays}。",
                  "One person per room; a minor, elderly or disabled person may share with one carer. "
                  "Stays follow {preset}: {stays}."),
    "iso_apart": ("{pairs}不得同日安置在同一隔离点；同批次人员尽量安置在同一隔离点，确需分开的在备注中注明。",
                  "{pairs} never share a site on the same day; a cohort is kept together unless noted."),
    "iso_reserve": ("备用隔离点启用后按{ramp}逐步投用，另加各点启用准备天数。",
                    "A reserve site opens by {ramp} of its rooms after activation, after its own lag."),
    "iso_short": ("未能安置人员及原因见“{sheet}”表。", "People without a room and why are on the \"{sheet}\" sheet."),
    "occ_staff": ("医护人员按每50名隔离人员每班医生{doctors}名、护士{nurses}名配置，"
                  "另每个在用隔离点每班工作人员{nm}名；执行日人员见“{sheet}”表，以后各日为需求数。",
                  "Staff per shift: {doctors} doctor(s) and {nurses} nurse(s) per 50 isolated, and {nm} non-medical "
                  "per site in use; the plan date is rostered on the \"{sheet}\" sheet, later days are requirements."),
    "occ_free": ("空余＝可用房间－已使用；可用房间含现有隔离人员占用的房间，备用点按启用进度计。",
                 "Free = usable − occupied; usable rooms count reserves by their ramp-up."),
    "transfer_rules": ("闭环转运：点对点直达，每趟往返按单程不超过{max}分钟、另加{turn}分钟交接消杀计，"
                       "每车每日车次以其班次时长为限。",
                       "Closed-loop transfers go point to point; each trip is planned at up to {max} min one way "
                       "plus {turn} min of hand-over and disinfection, within the bus's shift."),
})
L.REMARKS.update({
    "split_cohort": ("同批次分{n}处安置", "cohort split over {n} sites"),
    "with_carers": ("含陪护{n}人", "{n} carer(s) sharing rooms"),
    "not_housed": ("未能安置，见缺口表", "no room: see Shortages"),
    "release_after": ("解除在本期之后", "released after this plan"),
})
L.TERMS.update({
    "isolation.unhoused_person_days": ("未能安置隔离（人天）", "Person-days without an isolation room", "person-days"),
    "isolation.site_staff_short": ("隔离点首日人员缺口（加权）", "Day-1 site staff short (weighted)", ""),
    "isolation.rooms": ("隔离房间费用", "Cost of isolation rooms", "yuan"),
    "isolation.transfer_distance": ("转运里程费用", "Cost of transfer distance", "yuan"),
    "isolation.activations": ("备用隔离点启用费用", "Cost of activating reserves", "yuan"),
    "isolation.cohort_splits": ("同批次分开安置（折算）", "Cohorts split (yuan-equivalent)", "yuan"),
})
_CAT = [("close contacts", "密接"), ("secondary contacts", "次密接"), ("inbound travellers", "入境人员")]
_KIND = [("doctors", "医生"), ("nurses", "护士"), ("non-medical staff", "工作人员")]
L.PHRASES.extend([
    *[(rf"{en} without an isolation room \(arriving ([\d-]+)\)", f"{zh}未能安排集中隔离（{{0}}到达）",
       f"{en} without an isolation room (arriving {{0}})") for en, zh in _CAT],
    *[(rf"no isolation site takes {en} within (\d+) min transfer", f"转运{{0}}分钟范围内无可接收{zh}的隔离点",
       f"no isolation site takes {en} within {{0}} min transfer") for en, zh in _CAT],
    (r"rooms: (.*) full \(reserves ready too late: (.*)\)", "隔离房间：{0}已满（备用隔离点启用不及：{1}）",
     "rooms: {0} full (reserves ready too late: {1})"),
    (r"rooms: (.*) full", "隔离房间：{0}已满", "rooms: {0} full"),
    (r"reserves ready too late: (.*)", "备用隔离点启用不及：{0}", "reserves ready too late: {0}"),
    (r"categories kept apart: (.*) hold other categories", "人员类别不得混住：{0}已安置其他类别人员",
     "categories kept apart: {0} hold other categories"),
    (r"transfer capacity: bus seat-trips of ([\d-]+) used up", "转运能力：{0}转运车辆座次已用尽",
     "transfer capacity: bus seat-trips of {0} used up"),
    (r"site staff on the plan date \(doctors, nurses, non-medical\) within commuting range of (.*)",
     "隔离点执行日医护及工作人员不足（通勤范围：{0}）",
     "site staff on the plan date (doctors, nurses, non-medical) within commuting range of {0}"),
    *[(rf"{en} for current occupants on the plan date", f"现有隔离人员执行日{zh}缺口",
       f"{en} for current occupants on the plan date") for en, zh in _KIND],
    *[(rf"{en} free on the plan date within commuting range of (.*)", f"执行日可调{zh}不足（通勤范围：{{0}}）",
       f"{en} free on the plan date within commuting range of {{0}}") for en, zh in _KIND],
])


def _category(ctx: Context, code: str) -> str:
    return ctx.word("person_category", code)


def _origin(ctx: Context, origin: str) -> str:
    return ctx.township_name(origin) if origin in ctx.townships else ctx.any_name(origin)


def _site(ctx: Context, site_id: str | None) -> str:
    return ctx.name_of("isolation_sites", site_id) if site_id else "—"


def _stays_text(ctx: Context) -> str:
    inst, lang = ctx.instance, ctx.lang
    days = "天" if lang == "zh" else " d"
    parts = []
    for code in ("close_contact", "secondary_contact", "inbound"):
        stay = inst.policy.stay(code)
        home = (f"+{stay.home_days}{days}" + ("居家" if lang == "zh" else " at home")) if stay.home_days else ""
        parts.append(f"{_category(ctx, code)} {stay.centralized_days}{days}{home}")
    return join(parts, lang)


def _placement_rows(ctx: Context) -> list[dict]:
    sec = ctx.plan.isolation
    parts = defaultdict(int)
    for p in sec.placements:
        parts[p.cohort] += 1
    short = {x.entity: x.quantity for x in ctx.plan.shortages
             if x.module == "isolation" and x.unit == "people" and x.entity}
    cohorts = ctx.instance.by_id("cohorts")
    rows = []
    entries = [(p.cohort, p) for p in sec.placements] + [(cid, None) for cid in short]
    for cid, p in sorted(entries, key=lambda e: (cohorts[e[0]].day if e[0] in cohorts else 0,
                                                 natural_key(e[0]), e[1] is None, e[1].site if e[1] else "")):
        c = cohorts.get(cid)
        if c is None:
            continue
        if p is None:
            rows.append({"origin": _origin(ctx, c.origin), "person_category": _category(ctx, c.category),
                         "cohort": cid, "iso_site": "—", "iso_township": "", "iso_people": int(short[cid]),
                         "iso_carers": 0, "iso_rooms": 0, "admit_date": ctx.date_text(c.day), "release_date": "",
                         "transfer_min": "", "remarks": L.remark("not_housed", ctx.lang)})
            continue
        site = ctx.instance.by_id("isolation_sites").get(p.site)
        remarks = [L.remark("split_cohort", ctx.lang, n=parts[cid]) if parts[cid] > 1 else "",
                   L.remark("with_carers", ctx.lang, n=p.carers) if p.carers else "",
                   L.remark("release_after", ctx.lang) if p.release_day >= ctx.instance.policy.isolation.horizon_days
                   else ""]
        rows.append({"origin": _origin(ctx, p.origin), "person_category": _category(ctx, p.category), "cohort": cid,
                     "iso_site": _site(ctx, p.site), "iso_township": ctx.township_name(site.township) if site else "",
                     "iso_people": p.people, "iso_carers": p.carers, "iso_rooms": p.rooms,
                     "admit_date": ctx.date_text(p.admit_day), "release_date": ctx.date_text(p.release_day),
                     "transfer_min": round(p.transfer_min), "remarks": join(remarks, ctx.lang)})
    return rows


def _site_rows(ctx: Context) -> list[dict]:
    sec = ctx.plan.isolation
    by_site = defaultdict(list)
    for r in sec.occupancy:
        by_site[r.site].append(r)
    activated = set(sec.activated_sites)
    rows = []
    for site in sorted(ctx.instance.isolation_sites, key=lambda s: (ctx.township_key(s.township), natural_key(s.id))):
        days = sorted(by_site.get(site.id, []), key=lambda r: r.day)
        status = "reserve" if site.reserve and not site.occupants else "active"
        if site.id in activated:
            status = "activated"
        first = days[0] if days else None
        rows.append({
            "township": ctx.township_name(site.township), "iso_site": site.name,
            "site_status": ctx.word("site_status", status), "rooms_total": site.rooms,
            "rooms_used_day0": first.occupied_rooms if first else 0,
            "rooms_free_day0": first.free_rooms if first else 0,
            "admitted_total": sum(r.admitted for r in days), "released_total": sum(r.released for r in days),
            "peak_people": max((r.people for r in days), default=0),
            "medical_day0": (first.doctors_per_shift + first.nurses_per_shift) if first else 0,
        })
    return rows


@sheet("isolation", order=300)
def isolation_sheet(ctx: Context) -> Sheet | None:
    """集中隔离安置: each cohort's site, then one row per site (集中隔离点使用情况一览表)."""
    sec = ctx.plan.isolation
    if not (sec.placements or sec.occupancy or any(x.module == "isolation" for x in ctx.plan.shortages)):
        return None
    lang = ctx.lang
    sums = ["iso_people", "iso_carers", "iso_rooms"]
    cohorts = table(ctx, _placement_rows(ctx), ["origin", "person_category", "cohort", "iso_site", "iso_township",
                                                "iso_people", "iso_carers", "iso_rooms", "admit_date",
                                                "release_date", "transfer_min"], sums=sums)
    counts = ["rooms_total", "rooms_used_day0", "rooms_free_day0", "admitted_total", "released_total",
              "peak_people", "medical_day0"]
    sites = table(ctx, _site_rows(ctx), ["township", "iso_site", "site_status", *counts], sums=counts,
                  caption="集中隔离点使用情况一览" if lang == "zh" else "Sites")
    ip = ctx.instance.policy.isolation
    pairs = join((("与" if lang == "zh" else " and ").join(_category(ctx, c) for c in pair) for pair in ip.no_mix),
                 lang)
    ramp = join((f"{round(100 * f)}%" for f in ip.reserve_ready_fractions[1:]), lang)
    notes = [L.note("iso_rules", lang, preset=ctx.word("preset", ctx.instance.policy.preset), stays=_stays_text(ctx)),
             L.note("iso_apart", lang, pairs=pairs or "—"),
             L.note("iso_reserve", lang, ramp=ramp or "—"),
             L.note("iso_short", lang, sheet=L.sheet_name("shortages", lang))]
    return Sheet("isolation", L.sheet_name("isolation", lang), ctx.title("isolation"), [cohorts, sites], notes)


@sheet("room_occupancy", order=310)
def room_occupancy_sheet(ctx: Context) -> Sheet | None:
    """房间使用: free rooms per site and day, then each day's rooms, people and staff per shift."""
    rows = ctx.plan.isolation.occupancy
    if not rows:
        return None
    lang = ctx.lang
    sites = ctx.instance.by_id("isolation_sites")
    days = sorted({r.day for r in rows})
    order = sorted({r.site for r in rows}, key=lambda s: (ctx.township_key(sites[s].township if s in sites else None),
                                                          natural_key(s)))
    free = {(r.site, r.day): r.free_rooms for r in rows}
    day_keys = [f"day:{d}" for d in days]
    headers = {k: ctx.col("free_on", date=ctx.date_text(d)[5:]) for k, d in zip(day_keys, days)}
    wide = [{"township": ctx.township_name(sites[s].township) if s in sites else "", "iso_site": _site(ctx, s),
             **{k: free.get((s, d)) for k, d in zip(day_keys, days)}} for s in order]
    grid = table(ctx, wide, ["township", "iso_site", *day_keys], headers=headers, sums=day_keys)
    detail = []
    for r in sorted(rows, key=lambda r: (order.index(r.site), r.day)):
        detail.append({"iso_site": _site(ctx, r.site), "date": ctx.date_text(r.day), "usable": r.usable_rooms,
                       "occupied": r.occupied_rooms, "free": r.free_rooms, "occupants": r.people,
                       "day_admitted": r.admitted, "day_released": r.released,
                       "person_category": join((_category(ctx, c) for c in r.categories), lang),
                       "doctors_shift": r.doctors_per_shift, "nurses_shift": r.nurses_per_shift,
                       "nonmedical_shift": r.nonmedical_per_shift})
    counts = ["usable", "occupied", "free", "occupants", "day_admitted", "day_released"]
    by_day = table(ctx, detail, ["iso_site", "date", *counts, "person_category", "doctors_shift", "nurses_shift",
                                 "nonmedical_shift"], sums=counts,
                   caption="逐日明细及人员需求" if lang == "zh" else "By day, with staff needed")
    ip = ctx.instance.policy.isolation
    doctors = min(ip.doctors_per_50, ip.medical_per_50)
    notes = [L.note("occ_free", lang),
             L.note("occ_staff", lang, doctors=doctors, nurses=ip.medical_per_50 - doctors, nm=ip.nonmedical_per_site,
                    sheet=L.sheet_name("roster", lang))]
    return Sheet("room_occupancy", L.sheet_name("room_occupancy", lang), ctx.title("room_occupancy"),
                 [grid, by_day], notes)


@sheet("transfers", order=320)
def transfers_sheet(ctx: Context) -> Sheet | None:
    """转运安排: trips per bus, day and pick-up-to-site run."""
    transfers = ctx.plan.isolation.transfers
    if not transfers:
        return None
    lang = ctx.lang
    vehicles = ctx.instance.by_id("vehicles")
    cats = defaultdict(set)
    for p in ctx.plan.isolation.placements:
        cats[p.admit_day, p.origin, p.site].add(p.category)
    rows = []
    for t in sorted(transfers, key=lambda t: (t.day, t.depart_hour, natural_key(t.vehicle))):
        bus = vehicles.get(t.vehicle)
        minutes = round(t.depart_hour * 60)
        rows.append({"date": ctx.date_text(t.day), "plate": bus.plate if bus else t.vehicle,
                     "seats": bus.seats if bus else None, "pickup": _origin(ctx, t.origin),
                     "destination": _site(ctx, t.site), "trips": t.trips, "moved": t.people,
                     "person_category": join((_category(ctx, c) for c in sorted(cats[t.day, t.origin, t.site])), lang),
                     "depart": f"{minutes // 60:02d}:{minutes % 60:02d}", "one_way": round(t.one_way_min)})
    t = table(ctx, rows, ["date", "plate", "seats", "pickup", "destination", "trips", "moved", "person_category",
                          "depart", "one_way"], sums=["trips", "moved"])
    ip = ctx.instance.policy.isolation
    notes = [L.note("transfer_rules", lang, max=ip.max_transfer_min, turn=ip.transfer_turnaround_min)]
    return Sheet("transfers", L.sheet_name("transfers", lang), ctx.title("transfers"), [t], notes)
