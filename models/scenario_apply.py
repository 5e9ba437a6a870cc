"""Apply a what-if `Scenario` to an `Instance`: a new, re-validated instance (never the input changed).

Every id a scenario names is checked against the instance first, with the scenario's own
path (`arrivals[0].origins[1]: unknown township or port 'T99'`); the patched data is then
validated through `Instance`, so whatever the patch leaves dangling is reported in the
instance's terms, prefixed `after the patch:`. Numbers scaled by a factor are rounded to the
nearest integer (people, households, units), since the schema counts in integers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from pydantic import ValidationError

from models.instance import Instance
from models.io import InputError, format_validation_error
from models.scenario import Cluster, Scenario, SitePick, TownshipPick


def apply_scenario(instance: Instance, scenario: Scenario) -> Instance:
    """The instance as the scenario would have it; InputError with `path: message` lines."""
    patch = _Patch(instance, scenario)
    patch.run()
    if patch.problems:
        raise InputError(patch.problems)
    data = patch.data
    data["name"] = f"{instance.name}（{scenario.name}）"
    try:
        return Instance.model_validate(data)
    except ValidationError as e:
        raise InputError([f"after the patch: {line}" for line in format_validation_error(e)]) from None


class _Patch:
    def __init__(self, instance: Instance, scenario: Scenario):
        self.instance, self.s = instance, scenario
        self.data = copy.deepcopy(instance.model_dump(mode="json"))
        self.problems: list[str] = []
        self.townships = {t["id"]: t for t in self.data["townships"]}
        self.ports = set(self.data["ports"])
        self.tag = scenario.name

    # ------------------------------------------------------------ references

    def _towns(self, path: str, refs: Iterable, ports: bool = False) -> list[str]:
        out: list[str] = []
        for k, ref in enumerate(refs):
            if isinstance(ref, TownshipPick):
                out += self._pick_townships(f"{path}[{k}]", ref)
            elif ref in self.townships or (ports and ref in self.ports):
                out.append(ref)
            else:
                self.problems.append(f"{path}[{k}]: unknown township{' or port' if ports else ''} '{ref}'")
        return out

    def _pick_townships(self, path: str, pick: TownshipPick) -> list[str]:
        match = [t for t in self.data["townships"]
                 if (pick.risk_levels is None or t["risk_level"] in pick.risk_levels)
                 and (pick.terrains is None or t["terrain"] in pick.terrains)
                 and (pick.sealed is None or t["sealed"] == pick.sealed)]
        if not match:
            self.problems.append(f"{path}: no township matches the pick")
            return []
        if pick.pick == "all":
            return [t["id"] for t in match]
        sign = -1 if pick.pick == "most_populous" else 1
        match.sort(key=lambda t: (sign * t["population"], t["id"]))
        return [t["id"] for t in match[: pick.count]]

    def _sites(self, path: str, refs: Iterable) -> list[str]:
        sites = self.data["isolation_sites"]
        known = {x["id"] for x in sites}
        out: list[str] = []
        for k, ref in enumerate(refs):
            if isinstance(ref, SitePick):
                match = [x for x in sites if ref.reserve is None or x["reserve"] == ref.reserve]
                if not match:
                    self.problems.append(f"{path}[{k}]: no isolation site matches the pick")
                sign = -1 if ref.pick == "largest" else 1
                match.sort(key=lambda x: (sign * x["rooms"], x["id"]))
                out += [x["id"] for x in match[: ref.count]]
            elif ref in known:
                out.append(ref)
            else:
                self.problems.append(f"{path}[{k}]: unknown isolation site '{ref}'")
        return out

    def _ids(self, path: str, collection: str, ids: Iterable[str], what: str) -> set[str]:
        known = {x["id"] for x in self.data[collection]}
        for k, ident in enumerate(ids):
            if ident not in known:
                self.problems.append(f"{path}[{k}]: unknown {what} '{ident}'")
        return set(ids) & known

    # ------------------------------------------------------------ the patch, in the documented order

    def run(self) -> None:
        s = self.s
        if s.policy_preset:
            self.data["policy"]["preset"] = s.policy_preset
        for tid, level in s.risk_levels.items():
            if tid in self.townships:
                self.townships[tid]["risk_level"] = level
            else:
                self.problems.append(f"risk_levels.{tid}: unknown township '{tid}'")
        for tid in self._towns("seal", s.seal):
            self.townships[tid]["sealed"] = True
        for k, tid in enumerate(s.unseal):
            if tid in self.townships:
                self.townships[tid]["sealed"] = False
            else:
                self.problems.append(f"unseal[{k}]: unknown township '{tid}'")
        for k, r in enumerate(s.residents):
            self._residents(f"residents[{k}]", r)
        for k, a in enumerate(s.arrivals):
            self._arrivals(f"arrivals[{k}]", a)
        for k, c in enumerate(s.clusters):
            self._cluster(f"clusters[{k}]", k, c)
        self.data["cases"] += [c.model_dump(mode="json") for c in s.cases]
        self.data["cohorts"] += [c.model_dump(mode="json") for c in s.cohorts]
        for k, r in enumerate(s.rooms):
            self._rooms(f"rooms[{k}]", r)
        self._remove()
        self._add()
        lost = self._ids("close_arcs", "road_arcs", s.close_arcs, "road arc")
        self.data["road_arcs"] = [a for a in self.data["road_arcs"] if a["id"] not in lost]
        self.data["closure_requests"] = [r for r in self.data["closure_requests"] if r["arc"] not in lost]

    def _residents(self, path: str, r) -> None:
        towns = set(self._towns(f"{path}.townships", r.townships)) if r.townships is not None \
            else set(self.townships)
        for g in self.data["grids"]:
            if g["township"] in towns:
                g["population"] = round(g["population"] * r.factor)
                g["households"] = min(g["population"], round(g["households"] * r.factor))
                g["key_group"] = min(g["population"], round(g["key_group"] * r.factor))
        for tid in towns:
            t = self.townships[tid]
            t["population"] = round(t["population"] * r.factor)
        if r.demands:
            for d in self.data["demands"]:
                if d["township"] in towns:
                    d["quantity"] = round(d["quantity"] * r.factor)

    def _arrivals(self, path: str, a) -> None:
        origins = set(self._towns(f"{path}.origins", a.origins, ports=True)) if a.origins is not None else None
        kept = []
        for c in self.data["cohorts"]:
            from_port = c["origin"] in self.ports
            hit = ((origins is None or c["origin"] in origins)
                   and (a.origin_kind == "any" or from_port == (a.origin_kind == "port"))
                   and a.days.holds(c["day"]) and (a.categories is None or c["category"] in a.categories))
            if hit:
                c["people"] = round(c["people"] * a.factor)
                c["carers"] = min(round(c["carers"] * a.factor), max(0, c["people"] - 1))
            if c["people"] > 0:
                kept.append(c)
        self.data["cohorts"] = kept

    def _cluster(self, path: str, k: int, c: Cluster) -> None:
        towns = self._towns(f"{path}.township", [c.township])
        if not towns:
            return
        tid = towns[0]
        t = self.townships[tid]
        t["risk_level"], t["sealed"] = c.risk_level, t["sealed"] or c.seal
        last = self.data["as_of_hour"] - 24  # the data's as-of moment, in hours from 00:00 of day 0
        first = min(c.first_report_hour, last)
        tag = f"{self.tag}-{k + 1}" if len(self.s.clusters) > 1 else self.tag
        for n in range(c.cases):
            hour = first + round((last - first) * n / max(1, c.cases - 1))
            self.data["cases"].append({"id": f"{tag}-C{n + 1:02d}", "township": tid, "report_hour": hour,
                                       "estimated_contacts": c.contacts_per_case})
        contacts = c.cases * c.contacts_per_case
        for day in range(c.contact_days):
            close = contacts * (day + 1) // c.contact_days - contacts * day // c.contact_days
            if close:
                self.data["cohorts"].append({"id": f"{tag}-K{day}", "day": day, "origin": tid,
                                             "category": "close_contact", "people": close, "carers": 0})
            secondary = round(close * c.secondary_per_contact)
            if secondary:
                self.data["cohorts"].append({"id": f"{tag}-S{day + 1}", "day": day + 1, "origin": tid,
                                             "category": "secondary_contact", "people": secondary, "carers": 0})

    def _rooms(self, path: str, r) -> None:
        by_id = {x["id"]: x for x in self.data["isolation_sites"]}
        for sid in self._sites(f"{path}.site", [r.site]):
            site = by_id[sid]
            site["rooms"] = r.set if r.set is not None else max(0, site["rooms"] + r.delta)

    def _remove(self) -> None:
        rm = self.s.remove
        gone = self._ids("remove.sampling_sites", "sampling_sites", rm.sampling_sites, "sampling site")
        self.data["sampling_sites"] = [x for x in self.data["sampling_sites"] if x["id"] not in gone]
        gone = self._ids("remove.vehicles", "vehicles", rm.vehicles, "vehicle")
        self.data["vehicles"] = [x for x in self.data["vehicles"] if x["id"] not in gone]
        self._remove_isolation_sites(set(self._sites("remove.isolation_sites", rm.isolation_sites)))
        for k, r in enumerate(rm.staff):
            self._remove_staff(f"remove.staff[{k}]", r)

    def _remove_isolation_sites(self, gone: set[str]) -> None:
        if not gone:
            return
        for site in self.data["isolation_sites"]:
            if site["id"] not in gone or not self.s.rehouse_occupants:
                continue
            by_category: dict[str, int] = {}
            for o in site["occupants"]:
                if o["release_day"] > 0:
                    by_category[o["category"]] = by_category.get(o["category"], 0) + o["people"]
            for category, people in sorted(by_category.items()):
                self.data["cohorts"].append({"id": f"{self.tag}-{site['id']}-{category}", "day": 0,
                                             "origin": site["township"], "category": category, "people": people,
                                             "carers": 0})
        town_of = {x["id"]: x["township"] for x in self.data["isolation_sites"]}
        self.data["isolation_sites"] = [x for x in self.data["isolation_sites"] if x["id"] not in gone]
        for person in self.data["staff"]:
            if person["closed_loop_site"] in gone:  # the crew follows its people; until placed, it is pool staff
                person["closed_loop_site"] = None
        for v in self.data["vehicles"]:
            if v["depot"] in gone:
                v["depot"] = town_of[v["depot"]]

    def _remove_staff(self, path: str, r) -> None:
        gone = self._ids(f"{path}.ids", "staff", r.ids, "staff member")
        if r.skill is not None and r.count:
            towns = set(self._towns(f"{path}.township", [r.township])) if r.township is not None else None
            holders = [p for p in self.data["staff"] if r.skill in p["skills"] and p["id"] not in gone
                       and (towns is None or p["home_township"] in towns)]
            holders.sort(key=lambda p: (p["closed_loop_site"] is None, p["id"]), reverse=True)
            if len(holders) < r.count:
                self.problems.append(f"{path}.count: only {len(holders)} holders of {r.skill} to remove, not {r.count}")
            gone |= {p["id"] for p in holders[: r.count]}
        self.data["staff"] = [p for p in self.data["staff"] if p["id"] not in gone]

    def _add(self) -> None:
        add = self.s.add
        self.data["sampling_sites"] += [x.model_dump(mode="json") for x in add.sampling_sites]
        self.data["isolation_sites"] += [x.model_dump(mode="json") for x in add.isolation_sites]
        for k, a in enumerate(add.staff):
            towns = self._towns(f"add.staff[{k}].township", [a.township])
            if not towns:
                continue
            for n in range(a.count):
                pid = f"{self.tag}-{a.skill}-{towns[0]}-{k + 1}-{n + 1}"
                self.data["staff"].append({"id": pid, "name": pid, "skills": [a.skill], "home_township": towns[0],
                                           "hours_per_day": a.hours_per_day, "days_in_row": 0,
                                           "last_shift_end_hour": None, "closed_loop_site": a.closed_loop_site,
                                           "phone": None})
        for k, v in enumerate(add.vehicles):
            for n in range(v.count):
                vid = f"{self.tag}-V{k + 1}-{n + 1}"
                self.data["vehicles"].append({
                    "id": vid, "plate": vid, "kind": v.kind, "depot": v.depot, "capacity_kg": v.capacity_kg,
                    "seats": v.seats, "cold_chain": v.cold_chain, "shift_hours": v.shift_hours,
                    "has_pass": v.has_pass})
