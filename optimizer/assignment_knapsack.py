"""One investigator's best bundle of cases: 0-1 knapsack by dynamic programming over capacity.

The Lagrangian relaxation of the assignment splits into one knapsack per agent (take the
tasks whose price exceeds their cost, within the agent's capacity). These routines solve
it exactly, and also say how much the best bundle worsens when one task is forced in or
out, which is what proves a pair can be dropped. Profits are floats, weights integers.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Knapsack(NamedTuple):
    """Best bundle: its profit and, per item, whether it is taken."""

    value: float
    taken: np.ndarray


def best_bundle(profit: np.ndarray, weight: np.ndarray, cap: int) -> Knapsack:
    """Exact 0-1 knapsack (maximise profit within ``cap``); items with profit <= 0 are never taken."""
    taken = np.zeros(len(profit), dtype=bool)
    free = (profit > 0) & (weight == 0)  # weightless gains are always taken
    taken[free] = True
    items = np.nonzero((profit > 0) & (weight > 0) & (weight <= cap))[0]
    dp = np.zeros(cap + 1)
    choice = np.zeros((len(items), cap + 1), dtype=bool)
    for k, j in enumerate(items):
        w = int(weight[j])
        cand = dp[: cap + 1 - w] + profit[j]
        tail = dp[w:]
        np.greater(cand, tail, out=choice[k, w:])
        np.maximum(tail, cand, out=tail)
    c = cap
    for k in range(len(items) - 1, -1, -1):
        if choice[k, c]:
            taken[items[k]] = True
            c -= int(weight[items[k]])
    return Knapsack(float(dp[cap] + profit[free].sum()), taken)


def _table(profit: np.ndarray, weight: np.ndarray, items: np.ndarray, cap: int) -> np.ndarray:
    """Row k = best profit of items[:k] for every capacity 0..cap (monotone in capacity)."""
    out = np.zeros((len(items) + 1, cap + 1))
    for k, j in enumerate(items):
        w = int(weight[j])
        out[k + 1] = out[k]
        np.maximum(out[k, w:], out[k, : cap + 1 - w] + profit[j], out=out[k + 1, w:])
    return out


def flip_losses(profit: np.ndarray, weight: np.ndarray, cap: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item: is it in the best bundle, and how much profit is lost when it is forced the other way.

    Forward and backward tables over the DP items give, for an item, the best bundle with
    it and without it in O(cap). Items that are not allowed get an infinite loss.
    """
    n = len(profit)
    loss = np.full(n, np.inf)
    best = best_bundle(np.where(allowed, profit, -1.0), weight, cap)
    taken = best.taken.copy()
    zero = allowed & (weight == 0)
    loss[zero] = np.abs(profit[zero])  # a weightless item costs exactly its own profit to flip
    items = np.nonzero(allowed & (weight > 0) & (weight <= cap) & (profit > 0))[0]
    fwd = _table(profit, weight, items, cap)
    whole = fwd[-1]
    others = np.nonzero(allowed & (weight > 0) & (weight <= cap) & (profit <= 0))[0]
    if others.size:
        # Never in the best bundle: forcing one in leaves cap - w for the DP items.
        loss[others] = whole[cap] - (whole[cap - weight[others]] + profit[others])
    if items.size:
        bwd = _table(profit, weight, items[::-1], cap)[::-1]  # bwd[k] = best of items[k:]
        k_all = np.arange(len(items))
        # without item k: best split of the capacity between items before k and after k
        without = (fwd[k_all] + bwd[k_all + 1][:, ::-1]).max(axis=1)
        with_ = np.empty(len(items))
        for k, j in enumerate(items):
            w = int(weight[j])
            with_[k] = (fwd[k, : cap + 1 - w] + bwd[k + 1, cap - w :: -1]).max() + profit[j]
        in_best = with_ > without
        taken[items] = in_best
        loss[items] = np.where(in_best, with_ - without, without - with_)
    return taken, np.maximum(loss, 0.0)
