"""物资保供 / Supply sheets: shipments, routes, transfer stations, and one 派送单 per vehicle.

`物资调拨` (Shipments, WORKBOOKS.md §3.12): one row per source, township, commodity and day;
`配送路线` (Routes, §3.13): one row per stop with arrival, departure, goods, load and the
roads driven; `接驳点` (Transfer stations): each hand-over for a sealed township with its
last-mile staff; then a printable sheet per vehicle for its driver. Words are registered
into `exports.labels` here, next to the sheets that use them.
"""

from __future__ import annotations

from collections import defaultdict

from exports import labels as L
from exports.frames import Context, Sheet, join, natural_key, number, sheet, table

L.SHEETS.update({
    "shipments": ("物资调拨", "Shipments", "防疫及生活物资调拨（配送）清单", "Shipments"),
    "routes": ("配送路线", "Routes", "车辆配送路线表", "Delivery routes"),
    "transfer_stations": ("接驳点", "Transfer stations", "封控区物资接驳交接表", "Transfer-station hand-overs"),
    "vehicle_slip": ("派送单", "Vehicle", "车辆派送单", "Driver's slip"),
})
L.COLUMNS.update({
    "from_source": ("调出单位（仓库）", "From (source)"),
    "to_unit": ("调入单位", "To"),
    "item": ("物资名称", "Item"),
    "priority": ("保障等级", "Priority"),
    "item_unit": ("单位", "Unit"),
    "item_qty": ("数量", "Quantity"),
    "weight_kg": ("重量（公斤）", "Weight (kg)"),
    "plates": ("承运车辆", "Vehicles"),
    "eta": ("计划到达时间", "Planned arrival"),
    "receiver_sign": ("接收人（签字）", "Received by (signature)"),
    "plate": ("车牌号", "Plate"),
    "driver": ("驾驶员", "Driver"),
    "trip_no": ("趟次", "Trip"),
    "stop_no": ("站序", "Stop"),
    "stop": ("停靠点", "Stop"),
    "arrive": ("到达时间", "Arrive"),
    "leave": ("离开时间", "Leave"),
    "load_unload": ("装/卸", "Load/unload"),
    "goods": ("物资及数量", "Goods"),
    "stop_kg": ("卸货（公斤）", "Unloaded (kg)"),
    "roads_used": ("途经道路", "Roads driven"),
    "station": ("接驳点", "Transfer station"),
    "station_town": ("所在乡镇（街道）", "Station township"),
    "sealed_town": ("服务封控乡镇", "Sealed township served"),
    "handover_time": ("交接时间", "Hand-over"),
    "last_mile_staff": ("末端配送人员（人）", "Door-to-door staff"),
})
L.WORDS["supply_tier"] = {
    "medical_critical": ("医疗防疫（紧急）", "Medical (critical)"),
    "food_floor": ("基本口粮（紧急）", "Food floor (critical)"),
    "routine": ("常规", "Routine"),
}
L.WORDS["stop_kind"] = {"deliver": ("卸货", "Unload"), "reload": ("回库装货", "Reload")}
L.NOTES.update({
    "ship_rules": ("保障顺序：医疗防疫物资优先，其次每人每日基本口粮，再次其他物资；封控乡镇物资送至接驳点交接，"
                   "由末端配送人员送货上门。", "Priority: medical supplies first, then each resident's food floor, then "
                   "the rest; goods for a sealed township are handed over at its transfer station and carried door to door."),
    "ship_cover": ("储备标准：封控乡镇米面油菜不少于{staples}天用量，医疗物资不少于{medical}天用量；未达标部分见“{sheet}”表。",
                   "Targets: a sealed township holds {staples} days of staples, medical stock {medical} days; "
                   "shortfalls are on the \"{sheet}\" sheet."),
    "route_rules": ("车辆{start}时起装货，每趟装货{load}分钟；冷链物资仅由冷链车辆运输；每车每班不超过{trips}趟；"
                    "车辆只走道路管控方案中未封闭的道路，不穿越未服务的封控区。",
                    "Trucks start loading at {start}:00, {load} min per load; cold-chain goods only on cold-chain "
                    "trucks; at most {trips} trips a shift; only roads the road plan leaves open, never through a "
                    "sealed zone."),
    "pickup": ("中风险乡镇错峰取货：{towns}，{start}时起每{slot}分钟一批，按网格分批。",
               "Staggered pick-up in medium-risk townships: {towns}, from {start}:00 in {slot}-min slots by grid."),
    "station_rules": ("接驳点设在封控区外，交接时间{open}-{close}时；末端配送每人每班约{kg}公斤。",
                      "Transfer stations stand outside the seal; hand-over {open}:00-{close}:00; door-to-door about "
                      "{kg} kg per worker and shift."),
    "slip": ("驾驶员请按站序行驶，到达后由接收人签字；途经道路：{roads}。",
             "Drive the stops in order and have each receiver sign; roads: {roads}."),
})
L.TERMS.update({
    "supply.medical_short": ("医疗物资缺口（人天，加权）", "Medical supplies short (weighted person-days)", ""),
    "supply.food_floor_short": ("基本口粮缺口（人天）", "Food floor short (person-days)", "person-days"),
    "supply.routine_short": ("常规物资缺口（人天）", "Routine goods short (person-days)", "person-days"),
    "supply.cover_short": ("储备天数缺口（人天）", "Days-of-cover shortfall (person-days)", "person-days"),
    "supply.truck_cost_fen": ("车辆运输费用（分）", "Truck cost (fen)", ""),
})
L.WORDS["unit"].setdefault("person-days", ("人天", "person-days"))
L.PHRASES.extend([
    (r"(\S+) for (\S+) on ([\d-]+) \(critical part\)", "{1}{0}紧急需求缺口（{2}）", "{0} for {1} on {2} (critical part)"),
    (r"(\S+) stock of (\S+) below (\d+) days of cover on ([\d-]+)", "{1}{0}储备不足{2}天（{3}）",
     "{0} stock of {1} below {2} days of cover on {3}"),
    (r"(\S+) for (\S+) on ([\d-]+)", "{1}{0}需求缺口（{2}）", "{0} for {1} on {2}"),
    (r"trucks at (.*) fully used \(cold chain\)", "{0}冷链车辆运力已满", "cold-chain trucks at {0} fully used"),
    (r"trucks at (.*) fully used", "{0}车辆运力已满", "trucks at {0} fully used"),
    (r"trucks at (.*): more urgent goods first", "{0}车辆优先运送更紧急物资", "trucks at {0}: more urgent goods first"),
    (r"trucks: capacity and shift hours used up \((.*)\)", "{0}车辆载重和班次时长已用尽",
     "trucks at {0}: capacity and shift hours used up"),
    (r"trucks: none at (.*)", "{0}无配送车辆", "no trucks at {0}"),
    (r"roads: no open road from the source \((.*)\)", "道路管控：{0}无可通行道路", "roads: no open road from {0}"),
    (r"time window: the earliest arrival is after it closes \((.*)\)", "送达时段：{0}车辆最早到达已超出接收时段",
     "time window: trucks of {0} arrive after it closes"),
    (r"cold-chain trucks: none \((.*)\)", "{0}无冷链车辆", "no cold-chain trucks at {0}"),
    (r"stock of (\S+) used up at (.*)", "{1}{0}库存已用尽", "stock of {0} used up at {1}"),
    (r"last-mile delivery staff within commuting range of (.*)", "{0}末端配送人员不足",
     "last-mile delivery staff within commuting range of {0}"),
    (r"sources: none holding (\S+) within a shift and the delivery window of (.*)",
     "{1}送达时段内无可调{0}的仓库", "no source holding {0} within a shift and the delivery window of {1}"),
])


def _clock(ctx: Context, hours: float) -> str:
    day, rest = divmod(round(hours * 60), 24 * 60)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return text if day == 0 else f"{ctx.date_text(day)[5:]} {text}"


def _goods(ctx: Context, items) -> str:
    coms = ctx.instance.by_id("commodities")
    return join((f"{coms[it.commodity].name if it.commodity in coms else it.commodity}{it.quantity}"
                 f"{coms[it.commodity].unit if it.commodity in coms else ''}" for it in items), ctx.lang)


def _dest_name(ctx: Context, dest: str) -> str:
    from optimizer.supply_rules import (
        transfer_stations,  # the stations derived for sealed townships
    )
    for st in transfer_stations(ctx.instance).values():
        if st.id == dest:
            return st.name
    return ctx.township_name(dest) if dest in ctx.townships else ctx.any_name(dest)


def _plate(ctx: Context, vehicle: str) -> str:
    return ctx.name_of("vehicles", vehicle, "plate")


@sheet("shipments", order=600)
def shipments_sheet(ctx: Context) -> Sheet | None:
    """物资调拨: one row per source, township, commodity and day, with the trucks that carry it."""
    sec = ctx.plan.supply
    if not sec.shipments:
        return None
    coms = ctx.instance.by_id("commodities")
    carriers: dict[tuple, set[str]] = defaultdict(set)
    eta: dict[tuple, float] = {}
    for r in sec.routes:
        for s in r.stops:
            for it in s.items:
                key = (r.source, it.township, it.commodity, r.day)
                carriers[key].add(_plate(ctx, r.vehicle))
                eta[key] = max(eta.get(key, 0.0), s.arrival_hour)
    rows = []
    order = {"medical_critical": 0, "food_floor": 1, "routine": 2}
    for sh in sorted(sec.shipments, key=lambda s: (s.day, ctx.township_key(s.township), order[s.tier],
                                                    natural_key(s.commodity), natural_key(s.source))):
        c = coms.get(sh.commodity)
        key = (sh.source, sh.township, sh.commodity, sh.day)
        rows.append({
            "date": ctx.date_text(sh.day), "from_source": ctx.name_of("sources", sh.source),
            "to_unit": _dest_name(ctx, sh.destination), "township": ctx.township_name(sh.township),
            "item": c.name if c else sh.commodity, "priority": ctx.word("supply_tier", sh.tier),
            "item_unit": c.unit if c else "", "item_qty": sh.quantity,
            "weight_kg": number(round(sh.quantity * (c.unit_weight_kg if c else 0), 1)),
            "plates": "、".join(sorted(carriers.get(key, ()))) if ctx.lang == "zh" else ", ".join(sorted(carriers.get(key, ()))),
            "eta": _clock(ctx, eta[key]) if key in eta else "", "receiver_sign": "",
        })
    t = table(ctx, rows, ["date", "from_source", "to_unit", "township", "item", "priority", "item_unit", "item_qty",
                          "weight_kg", "plates", "eta", "receiver_sign"], sums=["weight_kg"])
    sp, lang = ctx.instance.policy.supply, ctx.lang
    notes = [L.note("ship_rules", lang),
             L.note("ship_cover", lang, staples=sp.sealed_staple_days, medical=sp.medical_stock_days,
                    sheet=L.sheet_name("shortages", lang))]
    medium = [ctx.township_name(t.id) for t in ctx.instance.townships if t.risk_level == "medium" and not t.sealed]
    if medium and sec.pickups:
        notes.append(L.note("pickup", lang, towns=join(medium, lang), start=sp.pickup_start_hour, slot=sp.pickup_slot_min))
    return Sheet("shipments", L.sheet_name("shipments", lang), ctx.title("shipments"), [t], notes)


def _stop_rows(ctx: Context, route, with_plate: bool = True) -> list[dict]:
    rows = []
    for k, s in enumerate(route.stops, start=1):
        dest = ctx.name_of("sources", s.destination) if s.kind == "reload" else _dest_name(ctx, s.destination)
        rows.append({
            "plate": _plate(ctx, route.vehicle) if with_plate else None, "driver": "", "trip_no": s.trip,
            "stop_no": k, "stop": dest, "arrive": _clock(ctx, s.arrival_hour), "leave": _clock(ctx, s.depart_hour),
            "load_unload": ctx.word("stop_kind", s.kind), "goods": _goods(ctx, s.items),
            "stop_kg": number(round(s.load_kg, 1)), "roads_used": "→".join(s.roads),
        })
    return rows


@sheet("routes", order=610)
def routes_sheet(ctx: Context) -> Sheet | None:
    """配送路线: one row per stop of every truck, in the order driven."""
    sec = ctx.plan.supply
    if not sec.routes:
        return None
    rows = []
    for r in sorted(sec.routes, key=lambda r: (r.day, natural_key(r.source), natural_key(r.vehicle))):
        rows += _stop_rows(ctx, r)
    t = table(ctx, rows, ["plate", "driver", "trip_no", "stop_no", "stop", "arrive", "leave", "load_unload", "goods",
                          "stop_kg", "roads_used"], sums=["stop_kg"])
    sp = ctx.instance.policy.supply
    notes = [L.note("route_rules", ctx.lang, start=sp.truck_start_hour, load=sp.load_min, trips=sp.max_trips_per_shift)]
    return Sheet("routes", L.sheet_name("routes", ctx.lang), ctx.title("routes"), [t], notes)


@sheet("transfer_stations", order=620)
def transfer_stations_sheet(ctx: Context) -> Sheet | None:
    """接驳点: each hand-over at a sealed township's transfer station, and its door-to-door staff."""
    from optimizer.supply_rules import station_hours, transfer_stations
    sec = ctx.plan.supply
    if not sec.handovers and not sec.last_mile:
        return None
    stations = {st.id: st for st in transfer_stations(ctx.instance).values()}
    staff = {(m.township, m.day): m.workers for m in sec.last_mile}
    rows = []
    for h in sorted(sec.handovers, key=lambda h: (h.day, ctx.township_key(h.township), h.arrival_hour)):
        st = stations.get(h.station)
        rows.append({
            "station": st.name if st else h.station, "station_town": ctx.township_name(st.township) if st else "",
            "sealed_town": ctx.township_name(h.township), "date": ctx.date_text(h.day),
            "handover_time": _clock(ctx, h.arrival_hour), "plate": _plate(ctx, h.vehicle),
            "goods": _goods(ctx, h.items), "weight_kg": number(round(h.load_kg, 1)),
            "last_mile_staff": staff.get((h.township, h.day)), "receiver_sign": "",
        })
    t = table(ctx, rows, ["station", "station_town", "sealed_town", "date", "handover_time", "plate", "goods",
                          "weight_kg", "last_mile_staff", "receiver_sign"], sums=["weight_kg"],
              empty_text=L.frame_text("none", ctx.lang))
    sp = ctx.instance.policy.supply
    hours = [station_hours(ctx.instance, st) for st in stations.values()] or [(sp.station_open_hour, sp.station_close_hour)]
    notes = [L.note("station_rules", ctx.lang, open=hours[0][0], close=hours[0][1], kg=sp.last_mile_kg_per_worker)]
    return Sheet("transfer_stations", L.sheet_name("transfer_stations", ctx.lang), ctx.title("transfer_stations"),
                 [t], notes)


@sheet("vehicle_slips", order=630)
def vehicle_slips(ctx: Context) -> list[Sheet] | None:
    """派送单: one printable sheet per truck and day, named by its plate."""
    sec = ctx.plan.supply
    if not sec.routes:
        return None
    out = []
    for r in sorted(sec.routes, key=lambda r: (r.day, natural_key(r.vehicle))):
        plate = _plate(ctx, r.vehicle)
        rows = _stop_rows(ctx, r, with_plate=False)
        for row in rows:
            row["receiver_sign"] = ""
        t = table(ctx, rows, ["trip_no", "stop_no", "stop", "arrive", "leave", "load_unload", "goods", "stop_kg",
                              "receiver_sign"], sums=["stop_kg"])
        roads = "→".join(a for s in r.stops for a in s.roads) or "—"
        name = plate if ctx.lang == "zh" else f"Vehicle {plate}"
        if len(sec.routes) > len({x.vehicle for x in sec.routes}):
            name = f"{name} {ctx.date_text(r.day)[5:]}"
        title = f"{ctx.title('vehicle_slip')}（{plate}，{ctx.name_of('sources', r.source)}）" if ctx.lang == "zh" \
            else f"{ctx.title('vehicle_slip')} ({plate}, {ctx.name_of('sources', r.source)})"
        out.append(Sheet("vehicle_slip", name, title, [t], [L.note("slip", ctx.lang, roads=roads)]))
    return out
