"""Every word the workbook shows, in Chinese (default) and English.

Headers carry their unit in full-width brackets in Chinese (`采样台（个）`, WORKBOOKS.md §1.3)
and in round brackets in English. Cell values that are codes in the plan (site kind, role,
tier, status …) are shown as the category words planners use (WORKBOOKS.md §1.9).
Unknown codes pass through unchanged, so a new role or unit never breaks an export.
"""

from __future__ import annotations

import re

LANGS = ("zh", "en")

# Frame of every sheet (WORKBOOKS.md §3.0).
FRAME: dict[str, tuple[str, str]] = {
    "title": ("{office}资源调度方案——{subject}", "{office} dispatch plan — {subject}"),
    "issued_by": ("制表单位：{office}", "Issued by: {office}"),
    "as_of": ("截至：{as_of:%Y}年{as_of.month}月{as_of.day}日{hour}时  执行日期：{date:%Y}年{date.month}月{date.day}日",
              "As of: {as_of:%Y-%m-%d} {hour:02d}:00  Plan date: {date:%Y-%m-%d}"),
    "total": ("合计", "Total"),
    "none": ("无", "None"),
    "notes_lead": ("注：", "Notes: "),
    "signature": ("制表人：        审核人：        签发人：        联系电话：",
                  "Prepared by:        Checked by:        Approved by:        Phone:"),
    "count_format": ('0"项"', '0" items"'),
    "next_day": ("次日{time}", "{time} (+1d)"),
    "all_townships": ("（不分乡镇）", "(county-wide)"),
    "part_b": ("二、分乡镇（街道）汇总", "Part B. By township"),
    "by_township_key": ("总表（分乡镇）", "Summary (by township)"),
}

# Sheet key -> (zh sheet name, en sheet name, zh title subject, en title subject).
SHEETS: dict[str, tuple[str, str, str, str]] = {
    "summary": ("总表", "Summary", "汇总表", "Summary"),
    "sampling_sites": ("采样点设置", "Sampling sites", "核酸采样点设置一览表", "Sampling sites"),
    "grids": ("网格分配", "Grid assignment", "网格—采样点对应表", "Grid-to-site assignment"),
    "roster": ("人员排班", "Staff roster", "工作人员排班表", "Staff roster"),
    "shortages": ("缺口", "Shortages", "资源缺口统计表", "Shortages"),
}

# Column key -> (zh header, en header). Units in the header, never in the cells.
COLUMNS: dict[str, tuple[str, str]] = {
    "no": ("序号", "No."),
    "remarks": ("备注", "Notes"),
    "township": ("乡镇（街道）", "Township"),
    # Summary
    "category": ("类别", "Category"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "risk": ("风险等级", "Risk level"),
    "population": ("常住人口（人）", "Population (people)"),
    "sites": ("采样点（个）", "Sampling sites"),
    "shortage_items": ("缺口（项）", "Shortages (items)"),
    # Sampling sites
    "site_name": ("采样点名称", "Sampling site"),
    "site_kind": ("点位类型", "Type"),
    "opening": ("开放时间", "Opening hours"),
    "desks": ("采样台（个）", "Desks"),
    "desks_in_shift": ("其中{shift}（台）", "Desks, {shift}"),
    "grids_served": ("覆盖网格（个）", "Grids served"),
    "people_planned": ("计划采样量（人次）", "People planned"),
    "capacity": ("采样能力（人次）", "Capacity (people)"),
    "tubes": ("采样管（管）", "Tubes"),
    "samplers": ("采样人员（人次）", "Samplers (person-shifts)"),
    "registrars": ("扫码登记员（人次）", "Registrars (person-shifts)"),
    # Grids
    "grid": ("网格编号", "Grid"),
    "households": ("户数（户）", "Households"),
    "people_due": ("应采人数（人）", "People to sample"),
    "assigned_site": ("指定采样点", "Assigned site"),
    "walk_min": ("步行时间（分钟）", "Walk (min)"),
    "served": ("已安排采样（人）", "Served (people)"),
    "unserved": ("未覆盖（人）", "Unserved (people)"),
    # Roster
    "date": ("日期", "Date"),
    "shift": ("班次", "Shift"),
    "post": ("工作点位", "Post"),
    "role": ("岗位", "Role"),
    "name": ("姓名", "Name"),
    "home": ("所属乡镇", "Home township"),
    "phone": ("联系电话", "Phone"),
    "duty_hours": ("工时（小时）", "Hours"),
    # Shortages
    "module": ("工作类别", "Area"),
    "tier": ("缺口等级", "Tier"),
    "what": ("缺口内容", "What is short"),
    "quantity": ("缺口数量", "Quantity"),
    "binding": ("制约资源", "Binding resource"),
}

# Cell-value words: group -> code -> (zh, en).
WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "site_kind": {
        "fixed": ("固定", "Fixed"), "convenience": ("便民", "Convenience"),
        "mobile": ("流动", "Mobile"), "temporary": ("临时", "Temporary"),
    },
    "role": {
        "sampler": ("采样", "Sampling"), "registrar": ("扫码登记", "Registration"),
        "epidemiologist": ("流调", "Tracing"), "police": ("公安协查", "Police (tracing)"),
        "it": ("大数据支撑", "IT support"), "doctor": ("医生", "Doctor"), "nurse": ("护士", "Nurse"),
        "driver": ("驾驶员", "Driver"), "checkpoint_guard": ("卡口值守", "Checkpoint duty"),
        "delivery": ("配送", "Delivery"), "grid_worker": ("网格员", "Grid worker"),
        "relief": ("替岗轮值", "Relief"),
    },
    "module": {
        "sampling": ("核酸采样", "Sampling"), "tracing": ("流调", "Tracing"),
        "isolation": ("集中隔离", "Isolation"), "roads": ("道路管控", "Roads"),
        "supply": ("物资保供", "Supply"), "staff": ("人员", "Staff"),
    },
    "tier": {"critical": ("紧急", "Critical"), "routine": ("常规", "Routine")},
    "risk": {"low": ("低风险", "Low"), "medium": ("中风险", "Medium"), "high": ("高风险", "High")},
    "terrain": {"urban": ("城区", "urban"), "rural": ("农村", "rural"), "mountain": ("山区", "mountain")},
    "status": {
        "OPTIMAL": ("最优（已证明）", "Optimal (proven)"),
        "FEASIBLE": ("可行（未证明最优）", "Feasible (not proven optimal)"),
        "INFEASIBLE": ("无可行方案", "Infeasible"),
        "UNKNOWN": ("限时内未求得方案", "Unknown (no plan in time)"),
        "POLISHED": ("可行（分模块优化）", "Feasible (modules re-solved)"),  # its bound, if any, is in the bound column
        "WARM_START": ("初始方案（未改进）", "Warm start (not improved)"),
        "KEPT": ("沿用上一级方案（未改进）", "Kept from the tier above (not improved)"),
        "MODEL_INVALID": ("模型错误", "Model invalid"),
    },
    "bool": {"True": ("是", "Yes"), "False": ("否", "No")},
    "preset": {
        "edition8": ("第八版防控方案", "Protocol edition 8"),
        "edition9": ("第九版防控方案", "Protocol edition 9"),
        "twenty-measures": ("二十条优化措施", "Twenty measures (2022-11)"),
    },
    "unit": {
        "people": ("人", "people"), "person": ("人", "people"), "人": ("人", "people"),
        "person-shifts": ("人次", "person-shifts"), "人次": ("人次", "person-shifts"),
        "tubes": ("管", "tubes"), "desks": ("个", "desks"), "sites": ("个", "sites"),
        "rooms": ("间", "rooms"), "beds": ("张", "beds"), "cases": ("例", "cases"),
        "hours": ("小时", "h"), "h": ("小时", "h"), "min": ("分钟", "min"), "minutes": ("分钟", "min"),
        "s": ("秒", "s"), "seconds": ("秒", "s"), "days": ("天", "days"), "d": ("天", "days"),
        "kg": ("公斤", "kg"), "t": ("吨", "t"), "yuan": ("元", "yuan"), "trips": ("车次", "trips"),
        "vehicles": ("辆", "vehicles"), "items": ("项", "items"), "%": ("%", "%"), "km": ("公里", "km"),
        "checkpoints": ("个", "checkpoints"), "staff-hours": ("工时", "staff-hours"),
    },
    "category": {
        "kpi": ("主要指标", "Key figures"), "solve": ("求解情况", "Solve"),
        "term": ("目标分项", "Objective term"), "tier": ("分层目标", "Priority tier"),
    },
}

# KPI key -> (zh name, en name, unit code), in the keys of optimizer/kpis.py. Keys not listed
# here are shown by key, with the unit read from a suffix such as `_yuan` or `_min`.
KPIS: dict[str, tuple[str, str, str]] = {
    "sampling_sites_opened": ("设置核酸采样点", "Sampling sites opened", "sites"),
    "sampling_desks": ("采样台", "Desks", "desks"),
    "people_to_sample": ("应采人数", "People to sample", "people"),
    "people_sampled": ("已安排采样人数", "People planned for sampling", "people"),
    "sampling_coverage_pct": ("采样覆盖率", "Sampling coverage", "%"),
    "tubes": ("采样管", "Tubes", "tubes"),
    "sampler_shifts": ("采样人员", "Samplers", "person-shifts"),
    "registrar_shifts": ("扫码登记员", "Registrars", "person-shifts"),
    "staff_on_duty": ("在岗人员", "Staff on duty", "people"),
    "staff_hours": ("人员工时（含通勤）", "Staff-hours (with travel)", "h"),
    "critical_shortage_lines": ("紧急缺口", "Critical shortages", "items"),
    "routine_shortage_lines": ("常规缺口", "Routine shortages", "items"),
    "critical_people_unserved": ("紧急需求未覆盖人数", "People with critical needs not served", "people"),
    "tracing_cases": ("流调任务", "Tracing cases", "items"),
    "tracing_cases_traced": ("当日开展流调", "Cases traced today", "items"),
    "tracing_cases_late": ("超时流调任务", "Cases traced late", "items"),
    "tracing_late_hours": ("流调超时", "Tracing hours late", "h"),
    "isolation_people_placed": ("安排集中隔离", "People placed in isolation", "people"),
    "isolation_rooms_taken": ("安排隔离房间", "Isolation rooms taken", "rooms"),
    "isolation_unhoused_people": ("未能安置隔离人数", "People not housed", "people"),
    "roads_arcs_closed": ("封闭路段", "Road arcs closed", "items"),
    "roads_checkpoints": ("设置卡口", "Checkpoints", "checkpoints"),
    "roads_closures_lifted": ("解除封堵", "Requested closures lifted", "items"),
    "lifelines_kept": ("保供通道畅通", "Lifelines kept", "items"),
    "lifelines_total": ("保供通道", "Lifelines", "items"),
    "supply_shipments": ("物资调拨", "Shipments", "items"),
    "supply_routes": ("配送路线", "Delivery routes", "items"),
    "supply_vehicles_used": ("出车", "Vehicles used", "vehicles"),
    "supply_trips": ("配送车次", "Delivery trips", "trips"),
    "supply_km": ("行驶里程", "Distance driven", "km"),
    "supply_critical_shortage_lines": ("保供紧急缺口", "Critical supply shortages", "items"),
}
# Objective term -> (zh, en, unit code), in the names the optimizer registers them under.
TERMS: dict[str, tuple[str, str, str]] = {
    "sampling.high_risk_unsampled": ("紧急需求未采样人数", "Critical demand not sampled", "people"),
    "sampling.routine_unsampled": ("常规需求未采样人数", "Routine demand not sampled", "people"),
    "sampling.sites_opened": ("采样点开设费用", "Cost of opening sites", "yuan"),
    "sampling.desks": ("采样台费用", "Cost of desks", "yuan"),
    "sampling.walking": ("群众步行代价", "Walking penalty", ""),
    "staff.hours": ("人员工时费用", "Cost of staff-hours", "yuan"),
}
# Priority tier of the lexicographic solve -> (zh, en).
PRIORITY_TIERS: dict[str, tuple[str, str]] = {
    "critical": ("第一层：紧急需求", "1st: critical demand"),
    "routine": ("第二层：常规需求", "2nd: routine demand"),
    "cost": ("第三层：成本", "3rd: cost"),
    "stability": ("第四层：稳定性", "4th: stability"),
}
# Shortage phrases of the optimizer -> (zh, en); {0}, {1} are the captured groups, with ids
# in them replaced by names. A phrase that matches no pattern is shown as it is.
PHRASES: list[tuple[str, str, str]] = [
    (r"residents not sampled", "居民未安排核酸采样", "residents not sampled"),
    (r"no candidate sampling site inside the sealed zone", "封控区内无备选采样点",
     "no candidate sampling site inside the sealed zone"),
    (r"no candidate sampling site within the (\d+)-min walk", "步行{0}分钟范围内无备选采样点",
     "no candidate sampling site within a {0}-min walk"),
    (r"desks: every site in walking range is at its maximum \((.*)\)", "采样台：步行范围内采样点均已满台（{0}）",
     "desks: every site in walking range is full ({0})"),
    (r"labs: none returns results within (\d+) h", "检测机构：无一能在{0}小时内出结果",
     "labs: none returns results within {0} h"),
    (r"lab tubes: (.*) at daily capacity", "检测能力：{0}已达日检测量上限", "lab tubes: {0} at daily capacity"),
    (r"trained samplers/registrars within commuting range of (.*)", "采样、扫码登记人员不足（通勤范围：{0}）",
     "trained samplers/registrars within commuting range of {0}"),
]
UNIT_SUFFIXES = {"_yuan": "yuan", "_min": "min", "_h": "h", "_hours": "h", "_people": "people",
                 "_kg": "kg", "_pct": "%", "_km": "km", "_rooms": "rooms", "_tubes": "tubes"}

# Rows of Part A that describe the solve: key -> (zh, en, unit code).
SOLVE_ROWS: dict[str, tuple[str, str, str]] = {
    "preset": ("执行防控方案", "Protocol edition", ""),
    "status": ("求解状态", "Solver status", ""),
    "objective": ("目标值", "Objective", ""),
    "best_bound": ("最优界", "Best bound", ""),
    "gap": ("相对间隙", "Relative gap", "%"),
    "seed": ("随机种子", "Seed", ""),
    "workers": ("并行线程", "Workers", ""),
    "deterministic": ("结果可复现", "Deterministic", ""),
    "wall_seconds": ("求解用时", "Wall time", "s"),
    "time_limit_s": ("求解时限", "Time limit", "s"),
    "instance": ("实例名称", "Instance", ""),
    "instance_hash": ("实例校验码（SHA-256）", "Instance hash (SHA-256)", ""),
    "versions": ("软件版本", "Versions", ""),
}

# Notes under each table ("注：1.… 2.…"); placeholders are filled from the policy.
NOTES: dict[str, tuple[str, str]] = {
    "summary_source": ("本方案由优化模型依据截至{as_of}的数据生成，求解状态、最优界与间隙见上表；间隙为0表示已证明最优。",
                       "Generated by the optimisation model from data as of {as_of}; a gap of 0 means proven optimal."),
    "summary_preset": ("隔离期限等规则按{preset}执行。", "Isolation stays and related rules follow {preset}."),
    "summary_shortages": ("各乡镇（街道）缺口明细见“{sheet}”表。", "Shortage details are on the \"{sheet}\" sheet."),
    "site_kinds": ("点位类型：固定＝固定采样点，便民＝便民采样点，流动＝流动采样点，临时＝临时采样点。",
                   "Type: Fixed, Convenience, Mobile or Temporary sampling site."),
    "crew": ("每个采样台每班配采样人员{samplers}人、扫码登记员{registrars}人；每台每小时采样约{rate}人次，排队不超过{wait}分钟。",
             ("Each staffed desk has {samplers} sampler(s) and {registrars} registrar(s) per shift; "
             "about {rate} people per desk-hour; waits stay under {wait} min.")),
    "shifts": ("班次：{shifts}。采样人员、扫码登记员按人次计（一人一班为1人次）。",
               "Shifts: {shifts}. Samplers and registrars count person-shifts."),
    "walk": ("步行时间上限：{limits}（按直线距离×{detour}、步速{speed}公里/小时估算）。",
             "Walking limits: {limits} (straight line ×{detour} at {speed} km/h)."),
    "pooling": ("混采规则：{pools}；封控区按户混采。", "Pooling: {pools}; sealed compounds pool per household."),
    "unserved": ("未覆盖人数见“{sheet}”表。", "People not served are listed on the \"{sheet}\" sheet."),
    "rest": ("两次值班之间休息不少于{rest}小时；连续工作{days}天后安排轮休；单程通勤不超过{commute}分钟。",
             "At least {rest} h rest between duties; a day off after {days} days in a row; one-way commute at most {commute} min."),
    "by_role": ("本表共排班{total}人次，其中{parts}。", "{total} person-shifts in all: {parts}."),
    "phones": ("联系电话仅供工作联系，不得外传。", "Phone numbers are for duty contact only; do not pass them on."),
    "tiers": ("缺口等级：紧急＝关键需求（中高风险区核酸采样、流调、密接隔离、封控区生活和医疗物资）；常规＝其他需求。",
              ("Tier: Critical = critical demand (testing in medium/high-risk areas, tracing, isolating contacts, "
              "supplies of sealed areas); Routine = other demand.")),
    "binding": ("制约资源：造成缺口的资源或规则，请据此协调调配或报上级支援。",
                "Binding resource: the resource or rule that causes the shortage; use it to request help."),
}

# 备注 texts generated from the plan.
REMARKS: dict[str, tuple[str, str]] = {
    "over_capacity": ("计划量超过采样能力", "planned above capacity"),
    "sealed": ("封控区内", "inside a sealed zone"),
    "no_site": ("未安排采样点", "no site assigned"),
    "part_served": ("未覆盖{n}人", "{n} not served"),
    "walk_over": ("步行超过{limit}分钟上限", "walk over the {limit} min limit"),
    "commute": ("单程通勤约{min}分钟", "commute about {min} min"),
    "entity": ("涉及：{entity}", "concerns {entity}"),
    "post_on_call": ("快反备勤", "On call"),
    "post_it_support": ("大数据支撑（{district}）", "IT support ({district})"),
    "post_cases": ("病例{cases}", "Cases {cases}"),
    "tier_status": ("{status}；界{bound}；用时{seconds}秒", "{status}; bound {bound}; {seconds} s"),
    "hash_prefix": ("前16位，完整值见方案文件", "first 16 hex digits; the full hash is in the plan file"),
    "last_tier": ("最后一层（{tier}）", "last tier ({tier})"),
}


# Words of the dispatch workbook (`fangkong dispatch`, exports/dispatch.py): sheet names, titles,
# table captions, column headers, notes and remarks, key -> (zh, en).
DISPATCH: dict[str, tuple[str, str]] = {
    "leader_sheet": ("指挥长摘要", "Leader summary"),
    "leader_subject": ("指挥长一分钟摘要", "One-minute summary for the command leader"),
    "township_subject": ("{name}明日任务单", "Tomorrow's orders for {name}"),
    "iso_site_subject": ("{name}隔离点任务单", "Orders for isolation site {name}"),
    "teams_sheet": ("流调队伍", "Tracing teams"),
    "teams_subject": ("流调队伍任务单", "Tracing team orders"),
    "cap_solve": ("一、求解情况（分层）", "A. Solve status by tier"),
    "cap_kpis": ("二、主要指标", "B. Key figures"),
    "cap_critical": ("三、紧急缺口（按数量从大到小，前{n}项）", "C. Critical shortages, largest first (top {n})"),
    "cap_sampling": ("一、核酸采样点", "1. Sampling sites"),
    "cap_tracing": ("二、流调任务", "2. Tracing cases"),
    "cap_cohorts": ("三、转出集中隔离人员", "3. Isolation cohorts leaving"),
    "cap_roads": ("四、道路封闭及卡口", "4. Road closures and checkpoints"),
    "cap_shipments": ("五、到达物资", "5. Shipments arriving"),
    "cap_handovers": ("六、接驳点交接", "6. Transfer-station hand-overs"),
    "cap_shortages": ("七、缺口", "7. Shortages"),
    "cap_admitted": ("一、入住批次", "1. Cohorts admitted"),
    "cap_occupancy": ("二、房间使用及每班人员", "2. Occupancy and staff per shift"),
    "cap_staff": ("三、工作人员排班", "3. Staff by shift"),
    "col_tier": ("求解层", "Tier"),
    "col_status": ("求解状态", "Status"),
    "col_value": ("目标值", "Value"),
    "col_bound": ("最优界", "Bound"),
    "col_gap": ("相对间隙（%）", "Gap (%)"),
    "col_rank": ("排名", "Rank"),
    "col_team": ("流调小组", "Team"),
    "col_case_town": ("病例所在乡镇", "Case township"),
    "col_measure": ("措施", "Measure"),
    "col_when": ("时间", "When"),
    "col_day": ("日期", "Date"),
    "overall": ("总体", "Overall"),
    "no_team": ("未安排", "not assigned"),
    "note_leader": ("间隙为0表示该层已证明最优；缺口明细及制约资源见方案工作簿“缺口”表。",
                    ("A gap of 0 means the tier is proven optimal; every shortage is on the plan workbook's "
                     "Shortages sheet.")),
    "note_more": ("另有{n}项紧急缺口未列出。", "{n} more critical shortages are not listed."),
    "note_township": ("本表由县级方案按乡镇（街道）拆分，请乡镇（街道）按表落实，问题及时上报。",
                      "This sheet is the county plan cut to the township; report any problem at once."),
    "note_iso_site": ("每班人员按每50名隔离人员配置医护测算。", "Staff per shift: medical staff per 50 isolated."),
    "note_teams": ("每组按开始时间先后执行所列病例。", "Each team works its cases in the order listed."),
    "note_vehicles": ("车辆派送单见各车牌号工作表。", "Driver's slips follow, one sheet per vehicle."),
}


def _pick(pair: tuple[str, ...], lang: str, offset: int = 0) -> str:
    return pair[offset + (1 if lang == "en" else 0)]


def frame_text(key: str, lang: str, **fmt) -> str:
    return _pick(FRAME[key], lang).format(**fmt)


def note(key: str, lang: str, **fmt) -> str:
    return _pick(NOTES[key], lang).format(**fmt)


def remark(key: str, lang: str, **fmt) -> str:
    return _pick(REMARKS[key], lang).format(**fmt)


def column(key: str, lang: str, **fmt) -> str:
    return _pick(COLUMNS[key], lang).format(**fmt)


def sheet_name(key: str, lang: str) -> str:
    return _pick(SHEETS[key], lang)


def sheet_subject(key: str, lang: str) -> str:
    return _pick(SHEETS[key], lang, offset=2)


def word(group: str, code: object, lang: str) -> str:
    """The category word for a code; the code itself when the group does not know it."""
    pair = WORDS.get(group, {}).get(str(code))
    return _pick(pair, lang) if pair else str(code)


def kpi(key: str, lang: str) -> tuple[str, str]:
    """(name, unit word) of a KPI key."""
    if key in KPIS:
        zh, en, unit = KPIS[key]
        return (en if lang == "en" else zh), word("unit", unit, lang)
    for suffix, unit in UNIT_SUFFIXES.items():
        if key.endswith(suffix):
            return key[: -len(suffix)].replace("_", " "), word("unit", unit, lang)
    return key.replace("_", " "), ""


def term(key: str, lang: str) -> tuple[str, str]:
    """(name, unit word) of an objective term."""
    if key in TERMS:
        zh, en, unit = TERMS[key]
        return (en if lang == "en" else zh), word("unit", unit, lang) if unit else ""
    return key, ""


def priority_tier(key: str, lang: str) -> str:
    return _pick(PRIORITY_TIERS[key], lang) if key in PRIORITY_TIERS else key


def phrase(text: str, lang: str, name_of=lambda ident: ident) -> str:
    """An optimizer phrase in the planner's words; ids in its lists become names via `name_of`."""
    for pattern, zh, en in PHRASES:
        m = re.fullmatch(pattern, text.strip())
        if m:
            groups = [", ".join(name_of(part.strip()) for part in g.split(",")) if g else "" for g in m.groups()]
            if lang == "zh":
                groups = [g.replace(", ", "、") for g in groups]
            return (en if lang == "en" else zh).format(*groups)
    return text


def solve_row(key: str, lang: str) -> tuple[str, str]:
    zh, en, unit = SOLVE_ROWS[key]
    return (en if lang == "en" else zh), word("unit", unit, lang) if unit else ""


def dispatch(key: str, lang: str, **fmt) -> str:
    return _pick(DISPATCH[key], lang).format(**fmt)


# Words of the what-if comparison and the reserve table (`fangkong whatif`, `fangkong reserve`;
# exports/sheets_compare.py), key -> (zh, en).
COMPARE: dict[str, tuple[str, str]] = {
    "sheet": ("情景对比", "Scenario comparison"),
    "subject": ("应急预案情景对比表", "What-if scenario comparison"),
    "scenarios_sheet": ("情景说明", "Scenarios"),
    "scenarios_subject": ("应急预案情景说明", "What-if scenarios"),
    "reserve_sheet": ("应急储备", "Reserve"),
    "reserve_subject": ("应急储备测算表", "Reserve sizing"),
    "check_sheet": ("储备验证", "Reserve check"),
    "check_subject": ("应急储备验证表", "Reserve check by scenario"),
    "base": ("基准", "Base"),
    "col_group": ("类别", "Group"),
    "col_scenario": ("情景", "Scenario"),
    "col_description": ("情景说明", "Description"),
    "col_resource": ("储备资源", "Resource"),
    "col_where": ("布置地点", "Where"),
    "col_units": ("数量", "Units"),
    "col_unit_cost": ("单价（元）", "Unit cost (yuan)"),
    "col_cost": ("金额（元）", "Cost (yuan)"),
    "col_used_by": ("需用情景", "Needed by"),
    "col_critical_before": ("无储备紧急缺口（项）", "Critical lines without reserve"),
    "col_critical_after": ("有储备紧急缺口（项）", "Critical lines with reserve"),
    "col_critical_floor": ("储备无法消除（项）", "Lines no reserve removes"),
    "col_verdict": ("结论", "Verdict"),
    "g_input": ("情景输入", "Scenario input"),
    "g_shortage": ("缺口", "Shortages"),
    "g_staff": ("人员工时", "Staff-hours"),
    "g_rooms": ("集中隔离", "Isolation"),
    "g_sampling": ("核酸采样", "Sampling"),
    "g_routes": ("保供配送", "Deliveries"),
    "g_cost": ("成本", "Cost"),
    "g_solve": ("求解情况", "Solve"),
    "r_cases": ("流调任务", "Tracing cases"),
    "r_cohort_people": ("需集中隔离人员", "People to isolate"),
    "r_population": ("常住人口", "Residents"),
    "r_sealed": ("封控乡镇（街道）", "Sealed townships"),
    "r_iso_rooms": ("隔离房间（含备用）", "Isolation rooms (reserves included)"),
    "r_staff": ("工作人员", "Staff in the pool"),
    "r_vehicles": ("车辆", "Vehicles"),
    "r_preset": ("执行防控方案", "Protocol edition"),
    "r_lines": ("{tier}缺口", "{tier} shortages"),
    "r_quantity": ("{tier}缺口·{module}", "{tier} shortage, {module}"),
    "r_hours_role": ("工时·{role}", "Hours, {role}"),
    "r_hours_total": ("工时合计（含通勤）", "Staff-hours in all (with travel)"),
    "r_rooms_peak": ("隔离房间峰值", "Isolation rooms at peak"),
    "r_person_days": ("隔离人天", "Isolation person-days"),
    "r_unhoused": ("未能安置隔离人数", "People not housed"),
    "r_coverage": ("采样覆盖率", "Sampling coverage"),
    "r_routes": ("配送路线", "Delivery routes"),
    "r_vehicles_used": ("出车", "Vehicles used"),
    "r_km": ("行驶里程", "Distance driven"),
    "r_transfer_trips": ("转运车次", "Transfer trips"),
    "r_cost": ("成本层目标值", "Cost tier value"),
    "r_status": ("求解状态", "Solver status"),
    "r_wall": ("求解用时", "Wall time"),
    "r_tier_status": ("{tier}·状态", "{tier}: status"),
    "r_tier_gap": ("{tier}·间隙", "{tier}: gap"),
    "person_days": ("人天", "person-days"),
    "yuan": ("元", "yuan"),
    "error": ("求解失败：{error}", "failed: {error}"),
    "no_plan": ("无方案", "no plan"),
    "warm_start": ("初始方案（限时内未改进）", "Warm start (not improved in time)"),
    "reserve_rooms": ("隔离房间（储备）", "Isolation rooms (reserve)"),
    "reserve_staff": ("储备人员·{role}", "Reserve staff: {role}"),
    "reserve_vehicle": ("储备车辆·{kind}", "Reserve vehicles: {kind}"),
    "kind_truck": ("货车", "truck"),
    "kind_transfer_bus": ("转运车", "transfer bus"),
    "verdict_ok": ("储备到位后无紧急缺口", "no critical shortage with the reserve"),
    "verdict_floor": ("储备到位后余下缺口任何储备均无法消除", "what remains no reserve removes"),
    "verdict_short": ("仍有紧急缺口，见备注", "still short, see notes"),
    "note_compare": ("每列为一个情景的方案（同一时限、同一随机种子）；各情景方案文件（.plan.json）及其情景实例（.instance.json）与本工作簿同目录，可用 fangkong dispatch / verify 查看。",
                     ("Each column is one scenario's plan (same time limit and seed); each scenario's plan "
                      "(.plan.json) and patched instance (.instance.json) lie beside this workbook, for "
                      "fangkong dispatch / verify.")),
    "note_gap": ("间隙为0表示该层已证明最优；间隙较大时情景间差异可能部分来自求解精度。",
                 "A gap of 0 means the tier is proven optimal; with large gaps part of a difference may be the solver's."),
    "note_reserve": ("储备按各情景所需的最大值测算：各情景可无限使用储备（单价计入成本层），取成本最低方案中实际用到的储备，再以该储备重新求解各情景验证。",
                     ("The reserve is the largest need over the scenarios: each scenario may draw freely on "
                      "reserve capacity (priced in the cost tier), the reserve its cheapest plan uses is kept, "
                      "and every scenario is solved again with exactly that reserve to check it.")),
}


def compare(key: str, lang: str, **fmt) -> str:
    return _pick(COMPARE[key], lang).format(**fmt)
