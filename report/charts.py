"""Hand-written SVG charts: rooms by site and day, staff-hours by skill, shortages by tier and
township, and the tracing teams' timeline. Each returns a `<figure>` (or an empty-section
note when its part of the plan is absent); every mark carries `data-tip`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from exports import labels as L
from exports.frames import natural_key
from models.common import SKILLS
from models.instance import Instance
from models.plan import Plan
from report.svg import c, esc, heat, num, pct, tip
from report.words import rw

SHORTAGE_ROWS = 30  # townships shown one by one; the rest are summed in one row


def _figure(key: str, title: str, svg: str, note: str) -> str:
    return (f'<figure class="chart" data-chart="{key}"><figcaption>{esc(title)}</figcaption>{svg}'
            f'<p class="note">{esc(note)}</p></figure>')


def _empty(key: str, title: str, lang: str) -> str:
    return (f'<figure class="chart empty" data-chart="{key}"><figcaption>{esc(title)}</figcaption>'
            f'<p class="note">{esc(rw("empty_section", lang))}</p></figure>')


def _town(inst: Instance, tid: str | None, lang: str) -> str:
    if tid is None:
        return L.frame_text("all_townships", lang)
    t = inst.by_id("townships").get(tid)
    return t.name if t else tid


# ---------------------------------------------------------------------- isolation rooms
def occupancy_chart(inst: Instance, plan: Plan, lang: str) -> str:
    """Rooms occupied per site and day (filled) against rooms usable (outline) and the site's rooms (dashed)."""
    title = rw("occupancy", lang)
    rows = plan.isolation.occupancy
    if not rows:
        return _empty("occupancy", title, lang)
    sites = inst.by_id("isolation_sites")
    by_site: dict[str, list] = defaultdict(list)
    for r in rows:
        by_site[r.site].append(r)
    days = sorted({r.day for r in rows})
    rank = {sid: k for k, sid in enumerate(sites)}
    order = sorted(by_site, key=lambda s: (rank.get(s, len(rank)), natural_key(s)))
    cols, pw, ph, top, pad = 4, 240.0, 126.0, 18.0, 20.0
    bar = (pw - 2 * pad) / max(len(days), 1)
    out = []
    for i, sid in enumerate(order):
        site = sites.get(sid)
        px, py = (i % cols) * pw, (i // cols) * ph
        base = py + ph - pad
        cap = site.rooms if site else 0
        scale_max = max([cap] + [max(r.usable_rooms, r.occupied_rooms) for r in by_site[sid]]) or 1
        h = ph - top - pad - 4
        name = site.name if site else sid
        out.append(f'<g class="occ-site" data-site="{esc(sid)}"><text class="panel-title" x="{c(px + pad)}" '
                   f'y="{c(py + top - 4)}">{esc(name)}</text>'
                   f'<line class="axis" x1="{c(px + pad)}" y1="{c(base)}" x2="{c(px + pw - pad)}" y2="{c(base)}"/>')
        for r in sorted(by_site[sid], key=lambda r: r.day):
            x = px + pad + days.index(r.day) * bar
            hu, ho = h * r.usable_rooms / scale_max, h * r.occupied_rooms / scale_max
            frac = r.occupied_rooms / r.usable_rooms if r.usable_rooms else (1.0 if r.occupied_rooms else 0.0)
            rows_tip = [f"{name} — {rw('day_n', lang, n=r.day)}", (L.column("usable", lang), num(r.usable_rooms)),
                        (L.column("occupied", lang), num(r.occupied_rooms)), (L.column("free", lang), num(r.free_rooms)),
                        (L.column("occupants", lang), num(r.people)), (L.column("day_admitted", lang), num(r.admitted)),
                        (L.column("day_released", lang), num(r.released)), (rw("occupied_pct", lang), pct(r.occupied_rooms, r.usable_rooms)),
                        (L.column("doctors_shift", lang), r.doctors_per_shift), (L.column("nurses_shift", lang), r.nurses_per_shift)]
            out.append(f'<rect class="occ-usable" x="{c(x + 1)}" y="{c(base - hu)}" width="{c(bar - 2)}" height="{c(hu)}"/>'
                       f'<rect class="occ{" over" if r.occupied_rooms > r.usable_rooms else ""}" x="{c(x + 2)}" '
                       f'y="{c(base - ho)}" width="{c(max(bar - 4, 1))}" height="{c(ho)}" fill="{heat(frac)}" '
                       f'data-site="{esc(sid)}" data-day="{r.day}"{tip(rows_tip)}/>')
        every = max(1, math.ceil(len(days) / 7))
        out.extend(f'<text class="tick" x="{c(px + pad + (k + 0.5) * bar)}" y="{c(base + 10)}" text-anchor="middle">'
                   f'{d}</text>' for k, d in enumerate(days) if k % every == 0)
        if cap:
            yc = base - h * cap / scale_max
            out.append(f'<line class="occ-cap" x1="{c(px + pad)}" y1="{c(yc)}" x2="{c(px + pw - pad)}" y2="{c(yc)}"'
                       f'{tip([name, (L.column("rooms_total", lang), num(cap))])}/>')
        out.append("</g>")
    width, height = cols * pw, math.ceil(len(order) / cols) * ph
    svg = f'<svg class="chart-svg" viewBox="0 0 {c(width)} {c(height)}" xmlns="http://www.w3.org/2000/svg">{"".join(out)}</svg>'
    return _figure("occupancy", title, svg, rw("occupancy_note", lang))


# ---------------------------------------------------------------------- staff-hours
def staff_hours_by_skill(inst: Instance, plan: Plan) -> list[tuple[str, float, float, int]]:
    """(skill, hours planned on the plan date, hours available a day, people holding it)."""
    available: Counter = Counter()
    people: Counter = Counter()
    for s in inst.staff:
        for k in set(s.skills):
            available[k] += s.hours_per_day
            people[k] += 1
    planned: Counter = Counter()
    for r in plan.roster:
        if r.day == 0:
            planned[r.role] += r.end_hour - r.start_hour
    keys = [k for k in SKILLS if available[k] or planned[k]] + sorted(k for k in planned if k not in SKILLS)
    return [(k, round(planned[k], 2), float(available[k]), people[k]) for k in keys]


def staff_chart(inst: Instance, plan: Plan, lang: str) -> str:
    title = rw("staff_hours", lang)
    rows = staff_hours_by_skill(inst, plan)
    if not rows:
        return _empty("staff", title, lang)
    label_w, width, rh = 150.0, 760.0, 26.0
    top = max(max(p, a) for _, p, a, _ in rows) or 1.0
    scale = (width - label_w - 90) / top
    out = []
    for i, (skill, planned, avail, n) in enumerate(rows):
        y = 8 + i * rh
        name = L.word("role", skill, lang)
        rows_tip = [name, (rw("planned_h", lang), num(planned)), (rw("available_h", lang), num(avail)),
                    (rw("people_with_skill", lang), num(n)), (rw("occupied_pct", lang), pct(planned, avail))]
        over = " over" if planned > avail else ""
        out.append(f'<text class="label" x="{c(label_w - 6)}" y="{c(y + 15)}" text-anchor="end">{esc(name)}</text>'
                   f'<rect class="avail" x="{c(label_w)}" y="{c(y + 2)}" width="{c(avail * scale)}" height="{c(rh - 6)}"'
                   f' data-skill="{esc(skill)}"{tip(rows_tip)}/>'
                   f'<rect class="used{over}" x="{c(label_w)}" y="{c(y + 7)}" width="{c(planned * scale)}" '
                   f'height="{c(rh - 16)}" data-skill="{esc(skill)}"{tip(rows_tip)}/>'
                   f'<text class="value" x="{c(label_w + max(avail, planned) * scale + 4)}" y="{c(y + 15)}">'
                   f'{esc(num(planned))} / {esc(num(avail))}</text>')
    height = 16 + len(rows) * rh
    legend = (f'<rect class="key key-avail" x="{c(label_w)}" y="{c(height - 4)}" width="14" height="10"/>'
              f'<text class="label" x="{c(label_w + 18)}" y="{c(height + 5)}">{esc(rw("available_h", lang))}</text>'
              f'<rect class="key key-used" x="{c(label_w + 200)}" y="{c(height - 2)}" width="14" height="6"/>'
              f'<text class="label" x="{c(label_w + 218)}" y="{c(height + 5)}">{esc(rw("planned_h", lang))}</text>')
    svg = (f'<svg class="chart-svg" viewBox="0 0 {c(width)} {c(height + 12)}" xmlns="http://www.w3.org/2000/svg">'
           f'{"".join(out)}{legend}</svg>')
    return _figure("staff", title, svg, rw("staff_note", lang))


# ---------------------------------------------------------------------- shortages
def shortage_rows(inst: Instance, plan: Plan) -> list[tuple[str | None, int, int, list]]:
    """(township or None, critical lines, routine lines, the lines), most critical first; the
    townships after the first SHORTAGE_ROWS are summed into one row whose township is "*"."""
    by_town: dict[str | None, list] = defaultdict(list)
    for s in plan.shortages:
        by_town[s.township].append(s)
    rank = {t.id: k for k, t in enumerate(inst.townships)}
    rows = [(t, sum(1 for s in lines if s.tier == "critical"), sum(1 for s in lines if s.tier == "routine"), lines)
            for t, lines in by_town.items()]
    rows.sort(key=lambda r: (-r[1], -r[2], rank.get(r[0], -1) if r[0] else -1))
    if len(rows) > SHORTAGE_ROWS:
        rest = rows[SHORTAGE_ROWS - 1:]
        rows = rows[:SHORTAGE_ROWS - 1] + [("*", sum(r[1] for r in rest), sum(r[2] for r in rest),
                                             [s for r in rest for s in r[3]])]
    return rows


def shortage_chart(inst: Instance, plan: Plan, lang: str) -> str:
    title = rw("shortages", lang)
    rows = shortage_rows(inst, plan)
    if not rows:
        return _empty("shortages", title, lang)
    label_w, width, rh = 150.0, 760.0, 22.0
    top = max(r[1] + r[2] for r in rows) or 1
    scale = (width - label_w - 60) / top
    names = {}
    for coll in ("townships", "sampling_sites", "isolation_sites", "sources", "commodities", "labs"):
        names.update({k: v.name for k, v in inst.by_id(coll).items()})
    out = []
    for i, (town, crit, rout, lines) in enumerate(rows):
        y = 6 + i * rh
        label = f"({len({s.township for s in lines})})" if town == "*" else _town(inst, town, lang)
        out.append(f'<text class="label" x="{c(label_w - 6)}" y="{c(y + 14)}" text-anchor="end">{esc(label)}</text>')
        x = label_w
        for tier, count in (("critical", crit), ("routine", rout)):
            if not count:
                continue
            shown = [s for s in lines if s.tier == tier]
            detail = [f"{L.phrase(s.what, lang, lambda i: names.get(i, i))}: {num(s.quantity)} "
                      f"{L.word('unit', s.unit, lang)} — {L.phrase(s.binding_resource, lang, lambda i: names.get(i, i))}"
                      for s in shown[:8]]
            more = [f"… +{len(shown) - 8}"] if len(shown) > 8 else []
            rows_tip = [f"{label} — {L.word('tier', tier, lang)}", (rw("lines", lang), count), *detail, *more]
            out.append(f'<rect class="short {tier}" x="{c(x)}" y="{c(y + 3)}" width="{c(count * scale)}" '
                       f'height="{c(rh - 6)}" data-township="{esc(town or "")}"{tip(rows_tip)}/>')
            x += count * scale
        out.append(f'<text class="value" x="{c(x + 4)}" y="{c(y + 14)}">{crit} / {rout}</text>')
    height = 12 + len(rows) * rh
    legend = (f'<rect class="key key-critical" x="{c(label_w)}" y="{c(height)}" width="14" height="10"/>'
              f'<text class="label" x="{c(label_w + 18)}" y="{c(height + 9)}">{esc(L.word("tier", "critical", lang))}</text>'
              f'<rect class="key key-routine" x="{c(label_w + 120)}" y="{c(height)}" width="14" height="10"/>'
              f'<text class="label" x="{c(label_w + 138)}" y="{c(height + 9)}">{esc(L.word("tier", "routine", lang))}</text>')
    svg = (f'<svg class="chart-svg" viewBox="0 0 {c(width)} {c(height + 16)}" xmlns="http://www.w3.org/2000/svg">'
           f'{"".join(out)}{legend}</svg>')
    return _figure("shortages", title, svg, rw("shortage_note", lang))


# ---------------------------------------------------------------------- tracing
def tracing_chart(inst: Instance, plan: Plan, lang: str) -> str:
    title = rw("tracing", lang)
    cases = sorted(plan.tracing.assignments, key=lambda a: (a.report_hour, natural_key(a.case)))
    if not cases:
        return _empty("tracing", title, lang)
    lo = math.floor(min([0.0] + [a.report_hour for a in cases]) / 6) * 6
    hi = math.ceil(max([24.0] + [h for a in cases for h in (a.end_hour, a.report_due_hour) if h is not None]) / 6) * 6
    label_w, width, rh, axis_h = 150.0, 760.0, 14.0, 22.0
    scale = (width - label_w - 10) / (hi - lo)

    def X(h: float) -> float:
        return label_w + (h - lo) * scale

    out = []
    step = 6 if hi - lo <= 72 else 12
    for h in range(int(lo), int(hi) + 1, step):
        cls = "grid day" if h % 24 == 0 else "grid"
        out.append(f'<line class="{cls}" x1="{c(X(h))}" y1="{c(axis_h)}" x2="{c(X(h))}" y2="{c(axis_h + len(cases) * rh)}"/>'
                   f'<text class="tick" x="{c(X(h))}" y="{c(axis_h - 6)}" text-anchor="middle">{h}</text>')

    def names_role(a, role: str) -> str:
        return "、".join(m.name for m in a.members if m.role == role) or "-"

    for i, a in enumerate(cases):
        y = axis_h + i * rh
        town = _town(inst, a.township, lang)
        lent = any(m.lent for m in a.members)
        rows_tip = [f"{L.column('case', lang)} {a.case} — {town}", (L.column("reported", lang), num(a.report_hour, 2)),
                    (L.column("contacts", lang), a.contacts),
                    (L.column("team_epidemiologist", lang), names_role(a, "epidemiologist")),
                    (L.column("team_police", lang), names_role(a, "police")),
                    (L.column("start", lang), num(a.start_hour, 2)), (L.column("core_at", lang), num(a.core_info_hour, 2)),
                    (L.column("end", lang), num(a.end_hour, 2)), (L.column("core_due", lang), num(a.core_due_hour, 2)),
                    (L.column("report_due", lang), num(a.report_due_hour, 2)),
                    (L.column("core_late", lang), a.core_late_hours), (L.column("report_late", lang), a.report_late_hours)]
        if lent:
            homes = {m.home_township for m in a.members if m.lent}
            rows_tip.append(L.remark("lent_from", lang, town="、".join(_town(inst, h, lang) for h in sorted(homes))))
        out.append(f'<text class="label small" x="{c(label_w - 6)}" y="{c(y + 10)}" text-anchor="end">'
                   f'{esc(a.case)} {esc(town)}</text>'
                   f'<circle class="reported" cx="{c(X(a.report_hour))}" cy="{c(y + rh / 2)}" r="2"/>')
        if a.start_hour is None or a.end_hour is None:
            out.append(f'<rect class="untraced" x="{c(X(max(a.report_hour, lo)))}" y="{c(y + 3)}" '
                       f'width="{c(max(X(24) - X(max(a.report_hour, lo)), 2))}" height="{c(rh - 6)}" '
                       f'data-case="{esc(a.case)}"{tip(rows_tip + [L.remark("not_traced", lang)])}/>')
        else:
            late = " late" if a.core_late_hours or a.report_late_hours else ""
            out.append(f'<rect class="team-bar{late}{" lent" if lent else ""}" x="{c(X(a.start_hour))}" y="{c(y + 2)}" '
                       f'width="{c(max(X(a.end_hour) - X(a.start_hour), 1.5))}" height="{c(rh - 4)}" '
                       f'data-case="{esc(a.case)}"{tip(rows_tip)}/>')
            if a.core_info_hour is not None:
                out.append(f'<line class="core-tick" x1="{c(X(a.core_info_hour))}" y1="{c(y + 1)}" '
                           f'x2="{c(X(a.core_info_hour))}" y2="{c(y + rh - 1)}"/>')
        for due, cls in ((a.core_due_hour, "due core"), (a.report_due_hour, "due report")):
            xd = X(due)
            out.append(f'<path class="{cls}" d="M{c(xd - 3)},{c(y + 1)} L{c(xd + 3)},{c(y + 1)} L{c(xd)},{c(y + 6)} Z"/>')
    height = axis_h + len(cases) * rh + 20
    out.append(f'<text class="tick" x="{c(label_w)}" y="{c(height - 4)}">{esc(rw("hours_axis", lang))}</text>')
    svg = f'<svg class="chart-svg" viewBox="0 0 {c(width)} {c(height)}" xmlns="http://www.w3.org/2000/svg">{"".join(out)}</svg>'
    return _figure("tracing", title, svg, rw("tracing_note", lang))


def all_charts(inst: Instance, plan: Plan, lang: str) -> str:
    return "".join([occupancy_chart(inst, plan, lang), staff_chart(inst, plan, lang),
                    shortage_chart(inst, plan, lang), tracing_chart(inst, plan, lang)])
