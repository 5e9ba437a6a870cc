"""A good first plan quickly: greedy by regret, then improving moves and swaps of cases.

The greedy (after Martello & Toth's MTHG) repeatedly places the task that would lose
most by not getting its preferred agent, among agents with room left; a task nobody can
take any more makes that run fail. The local search then moves one task to another agent,
or swaps two tasks between agents, while that lowers the cost and capacities hold.
The plan is the upper bound the exact stage has to beat and a warm start for CP-SAT.
"""
from __future__ import annotations

import numpy as np

from optimizer.assignment_relax import MinForm

SWAP_LIMIT = 1500  # above this many tasks the n x n swap table costs more than it finds


def greedy(mf: MinForm, desire: np.ndarray) -> np.ndarray | None:
    """Agent row per task, placing the task with the largest regret first; None if one no longer fits."""
    a, n = mf.shape
    room = mf.cap.astype(np.int64).copy()
    agent_of = np.full(n, -1, dtype=np.int64)
    todo = np.arange(n)
    while todo.size:
        fits = mf.allowed[:, todo] & (mf.load[:, todo] <= room[:, None])
        score = np.where(fits, desire[:, todo], np.inf)
        if not fits.any(axis=0).all():
            return None
        if a == 1:
            first, regret = np.zeros(todo.size, dtype=np.int64), np.zeros(todo.size)
        else:
            part = np.partition(score, 1, axis=0)
            first = score.argmin(axis=0)
            # a task with a single agent left has infinite regret: place it before it loses that one too
            regret = np.where(np.isinf(part[1]), np.inf, part[1] - part[0])
        k = int(np.argmax(regret))
        j, i = int(todo[k]), int(first[k])
        agent_of[j] = i
        room[i] -= mf.load[i, j]
        todo = np.delete(todo, k)
    return agent_of


def improve(mf: MinForm, agent_of: np.ndarray, max_moves: int | None = None) -> np.ndarray:
    """Best-improvement shifts, then swaps, until neither lowers the cost; capacities always hold."""
    a, n = mf.shape
    agent_of = agent_of.copy()
    tasks = np.arange(n)
    used = np.zeros(a, dtype=np.int64)
    np.add.at(used, agent_of, mf.load[agent_of, tasks])
    cost = np.where(mf.allowed, mf.cost, np.iinfo(np.int64).max // 4)
    moves = max_moves if max_moves is not None else 20 * n
    while moves > 0:
        moves -= 1
        now = cost[agent_of, tasks]
        fits = mf.allowed & (used[:, None] + mf.load <= mf.cap[:, None])
        gain = np.where(fits, cost - now[None, :], 0)
        k = int(np.argmin(gain))
        if gain.flat[k] < 0:
            i, j = divmod(k, n)
            used[agent_of[j]] -= mf.load[agent_of[j], j]
            used[i] += mf.load[i, j]
            agent_of[j] = i
            continue
        if n > SWAP_LIMIT:
            break
        # swap[j1, j2]: j1 goes to the agent of j2 and j2 to the agent of j1
        cross = cost[agent_of[None, :], tasks[:, None]]
        delta = cross + cross.T - now[:, None] - now[None, :]
        load_cross = mf.load[agent_of[None, :], tasks[:, None]]
        after = (used[agent_of] - mf.load[agent_of, tasks])[None, :] + load_cross
        ok = after <= mf.cap[agent_of][None, :]
        ok &= ok.T & mf.allowed[agent_of[None, :], tasks[:, None]] & (agent_of[:, None] != agent_of[None, :])
        ok &= ok.T
        delta = np.where(ok, delta, 0)
        k = int(np.argmin(delta))
        if delta.flat[k] >= 0:
            break
        j1, j2 = divmod(k, n)
        a1, a2 = agent_of[j1], agent_of[j2]
        used[a1] += mf.load[a1, j2] - mf.load[a1, j1]
        used[a2] += mf.load[a2, j1] - mf.load[a2, j2]
        agent_of[j1], agent_of[j2] = a2, a1
    return agent_of


def first_plan(mf: MinForm, prices: list[np.ndarray]) -> np.ndarray | None:
    """Cheapest improved greedy plan over a few preferences: cost, cost net of each price vector, load share."""
    share = mf.load / np.maximum(mf.cap, 1)[:, None]  # tight capacities: place by share of the agent used
    desires = [mf.cost.astype(float)] + [mf.cost - p[None, :] for p in prices] + [share]
    best = None
    for desire in desires:
        plan = greedy(mf, desire)
        if plan is None:
            continue
        plan = improve(mf, plan)
        if best is None or mf.value(plan) < mf.value(best):
            best = plan
    return best
