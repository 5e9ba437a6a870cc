"""Put together one qualifying bundle per investigator so that every open case is covered exactly once.

With every agent's qualifying bundles enumerated (``optimizer.assignment_patterns``) a
plan within the target is an exact cover of the undecided tasks by one bundle per agent
whose excesses fit the budget. A depth-first search picks, at each step, the agent with
the fewest bundles still compatible, cheapest bundles first, and prunes on the budget
(sum of the cheapest compatible excess of every agent left) and on coverage (every open
task must still be coverable). One agent may be left without a table: it takes whatever
is left, if that fits its capacity and the budget. Tasks are bits in 64-bit words.

The search is exact: when it runs out of candidates (within ``node_limit`` nodes, with
every agent tabulated or one left over) no plan fits the target, which raises the proven
bound; a plan it returns is real (its true cost is checked by the caller). Past the node
limit it says neither, and the caller falls back on a CP-SAT proof round.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizer.assignment_patterns import BundleCuts
from optimizer.assignment_relax import MinForm


class Cover(NamedTuple):
    """Outcome of the search: a plan (agent row per task), or none with whether that is proven."""

    plan: np.ndarray | None
    exhausted: bool


class _Table(NamedTuple):
    agent: int
    tasks: list[int]
    rows: list[list[int]]
    masks: np.ndarray  # bundles x words, uint64
    excess: np.ndarray


def _masks(rows: list[list[int]], tasks: list[int], bit: dict[int, int], words: int) -> np.ndarray:
    out = np.zeros((len(rows), words), dtype=np.uint64)
    taken = np.asarray(rows, dtype=bool).reshape(len(rows), len(tasks))
    for c, j in enumerate(tasks):
        w, b = divmod(bit[j], 64)
        out[taken[:, c], w] |= np.uint64(1 << b)
    return out


def bundle_search(mf: MinForm, keep: np.ndarray, cuts: BundleCuts, node_limit: int = 20_000) -> Cover:
    """A plan built from qualifying bundles; or none, exhausted (proof) or not (gave up)."""
    a, n = mf.shape
    options = keep.sum(axis=0)
    if (options == 0).any():
        return Cover(None, True)  # a task nobody may take within the target
    free = np.nonzero(options > 1)[0]
    tabled = {b.agent for b in cuts.agents}
    busy = [i for i in range(a) if keep[i, free].any()]
    rest = [i for i in busy if i not in tabled]
    if len(rest) > 1:
        return Cover(None, False)  # two agents without tables: the leaves would be partition problems
    bit = {int(j): k for k, j in enumerate(free)}
    words = max(1, -(-len(free) // 64))
    full = np.zeros(words, dtype=np.uint64)
    for k in range(len(free)):
        full[k // 64] |= np.uint64(1 << (k % 64))
    tables = [_Table(b.agent, b.tasks, b.rows, _masks(b.rows, b.tasks, bit, words), np.asarray(b.excess))
              for b in cuts.agents]
    by_agent = {t.agent: t for t in tables}
    leftover = rest[0] if rest else None
    spare = cuts.budget
    nodes = 0
    choice: dict[int, int] = {}

    def leftover_fits(open_tasks: np.ndarray, spent: int) -> bool:
        tasks = free[[k for k in range(len(free)) if int(open_tasks[k // 64]) >> (k % 64) & 1]]
        i = leftover
        if not keep[i, tasks].all():
            return False
        fixed = np.nonzero(keep[i] & (options == 1))[0]
        if mf.load[i, fixed].sum() + mf.load[i, tasks].sum() > mf.cap[i]:
            return False
        return True  # its excess is not tabulated: the plan's true cost is checked by the caller

    def dive(covered: np.ndarray, alive: dict[int, np.ndarray], spent: int) -> bool:
        # ``alive[i]``: agent i's bundles compatible with the parent's cover (a shrinking subset)
        nonlocal nodes
        nodes += 1
        if nodes > node_limit:
            return False
        now, cheapest = {}, {}
        for i, idx in alive.items():
            t = by_agent[i]
            idx = idx[~(t.masks[idx] & covered).any(axis=1) & (t.excess[idx] <= spare - spent)]
            if idx.size == 0:
                return False
            now[i], cheapest[i] = idx, int(t.excess[idx].min())
        least = spent + sum(cheapest.values())
        if least > spare:
            return False
        for i in now:  # each agent may use only what the others' cheapest bundles leave of the budget
            t = by_agent[i]
            now[i] = now[i][t.excess[now[i]] <= spare - (least - cheapest[i])]
        if not now:
            if (covered == full).all():
                return True
            return leftover is not None and leftover_fits(full & ~covered, spent)
        open_bits = None
        if leftover is None:
            # how many alive bundles cover each open task: none means a dead end, one or a few
            # make the best branching (each task must be covered by exactly one of them)
            counts = np.zeros(64 * words, dtype=np.int64)
            for i, idx in now.items():
                bits = np.unpackbits(by_agent[i].masks[idx].view(np.uint8), axis=1, bitorder="little")
                counts += bits.sum(axis=0, dtype=np.int64)
            open_bits = np.nonzero(np.unpackbits((full & ~covered).view(np.uint8), bitorder="little"))[0]
            if (counts[open_bits] == 0).any():
                return False
        agent = min(now, key=lambda a: now[a].size)
        if open_bits is not None and open_bits.size and counts[open_bits].min() < now[agent].size:
            task = int(open_bits[np.argmin(counts[open_bits])])
            word, flag = divmod(task, 64)
            flag = np.uint64(1 << flag)
            branches = [(int(by_agent[i].excess[k]), i, int(k)) for i, idx in now.items()
                        for k in idx[(by_agent[i].masks[idx, word] & flag) != 0]]
        else:
            t = by_agent[agent]
            branches = [(int(t.excess[k]), agent, int(k)) for k in now[agent]]
        branches.sort()
        for extra, i, k in branches:
            choice[i] = k
            rest = {a: idx for a, idx in now.items() if a != i}
            if dive(covered | by_agent[i].masks[k], rest, spent + extra):
                return True
            del choice[i]
        return False

    start = {t.agent: np.arange(len(t.rows)) for t in tables}
    if not dive(np.zeros(words, dtype=np.uint64), start, 0):
        return Cover(None, nodes <= node_limit)
    plan = np.full(n, -1, dtype=np.int64)
    for j in np.nonzero(options == 1)[0]:
        plan[j] = int(np.argmax(keep[:, j]))
    for i, k in choice.items():
        t = by_agent[i]
        for c, j in enumerate(t.tasks):
            if t.rows[k][c]:
                plan[j] = i
    if leftover is not None:
        plan[(plan < 0) & keep[leftover]] = leftover
    return Cover(plan, False) if (plan >= 0).all() else Cover(None, False)
