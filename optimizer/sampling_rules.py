"""Sampling quantities both the model and `verify` derive from the instance (DOMAIN.md §1).

Kept free of the solver so the validator recomputes exactly what the model assumed.
"""

from __future__ import annotations

import math

from models.instance import Grid, Instance, Lab
from models.policy import Policy, SamplingShift
from optimizer.geometry import travel_minutes


def people_to_sample(instance: Instance, grid: Grid) -> int:
    """Residents to sample tomorrow: population ÷ interval by risk; key groups every day."""
    town = instance.by_id("townships")[grid.township]
    interval = 1 if town.sealed else instance.policy.sampling.interval_days[town.risk_level]
    others = grid.population - grid.key_group
    return grid.key_group + math.ceil(others / interval)


def tubes_for(instance: Instance, grid: Grid, people: int) -> int:
    """Tubes for a grid's swabs: one per household in a sealed zone, else pooled by risk level."""
    town = instance.by_id("townships")[grid.township]
    if people == 0:
        return 0
    if town.sealed:
        # one tube per household, scaled if only part of the grid is sampled
        return max(1, math.ceil(grid.households * people / max(grid.population, 1)))
    pool = instance.policy.sampling.pool_size[town.risk_level]
    key = min(grid.key_group, people)  # key groups are single-tube
    return key + math.ceil((people - key) / pool)


def is_critical(instance: Instance, grid: Grid) -> bool:
    """High-risk testing is critical demand; routine testing is routine (DOMAIN.md priorities)."""
    town = instance.by_id("townships")[grid.township]
    return town.sealed or town.risk_level in instance.policy.sampling.critical_risk_levels


def max_utilisation(policy: Policy) -> float:
    """Highest desk utilisation that keeps the expected wait within the limit.

    Each desk is treated as an M/M/1 queue: Wq = ρ·s / (1 − ρ) ≤ W gives ρ ≤ W / (s + W),
    with s the swab time implied by the calibrated throughput.
    """
    sp = policy.sampling
    swab_min = 60.0 / sp.swabs_per_desk_hour
    return sp.wait_limit_min / (swab_min + sp.wait_limit_min)


def desk_shift_capacity(policy: Policy, shift: SamplingShift) -> int:
    """People one staffed desk samples in a shift without breaking the wait limit."""
    return math.floor(policy.sampling.swabs_per_desk_hour * shift.hours * max_utilisation(policy))


def result_hours(instance: Instance, township_id: str, lab: Lab) -> float:
    """Hours from the swab to the result: transport from the township to the lab + turnaround."""
    town = instance.by_id("townships")[township_id]
    speed = instance.policy.sampling.lab_transport_kmh
    return travel_minutes(town.center, lab.location, speed) / 60.0 + lab.turnaround_hours


def result_due_hours(instance: Instance, township_id: str) -> int:
    town = instance.by_id("townships")[township_id]
    return instance.policy.sampling.result_due_hours["high" if town.sealed else town.risk_level]


def shift_label(shift: SamplingShift) -> str:
    return f"{shift.start_hour:02d}:00-{shift.end_hour:02d}:00"
