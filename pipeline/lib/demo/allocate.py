"""Exact allocation: the tools that make calibrated figures come out by construction, not by luck."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

import numpy as np


def pct_count(pct: float, n: int) -> int:
    """`pct` per cent of `n`, rounded half up."""
    return int(np.floor(pct * n / 100 + 0.5))


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder; ties to the earlier)."""
    w = np.asarray(weights, dtype=float)
    if total == 0 or w.sum() == 0:
        return [0] * len(w)
    exact = w / w.sum() * total
    base = np.floor(exact).astype(int)
    rest = total - int(base.sum())
    order = sorted(range(len(w)), key=lambda i: (-(exact[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return base.tolist()


def split_random(rng: np.random.Generator, total: int, weights: Sequence[float]) -> list[int]:
    """A random split of `total` (multinomial on `weights`): sums to `total` exactly."""
    w = np.asarray(weights, dtype=float)
    if total == 0:
        return [0] * len(w)
    return rng.multinomial(total, w / w.sum()).tolist()


def split_capped(rng: np.random.Generator, total: int, caps: Sequence[int],
                 weights: Sequence[float] | None = None) -> list[int]:
    """Split `total` into parts no larger than `caps`, roughly proportional to `weights` (default: caps)."""
    caps = [int(c) for c in caps]
    if total > sum(caps):
        raise ValueError(f"cannot split {total} under caps summing to {sum(caps)}")
    w = list(caps if weights is None else weights)
    parts = [min(c, p) for c, p in zip(caps, apportion(total, w))]
    short = total - sum(parts)
    while short > 0:
        room = [i for i, c in enumerate(caps) if parts[i] < c]
        i = room[int(rng.integers(len(room)))]
        parts[i] += 1
        short -= 1
    return parts


def choose(rng: np.random.Generator, items: Sequence, k: int, weights: Sequence[float] | None = None) -> list:
    """Exactly `k` distinct items (in their original order), optionally weighted."""
    n = len(items)
    if k > n:
        raise ValueError(f"cannot choose {k} of {n}")
    if k == 0:
        return []
    p = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        if np.count_nonzero(w) < k:
            w = w + 1e-9  # fall back on the zero-weight items rather than fail
        p = w / w.sum()
    idx = np.sort(rng.choice(n, size=k, replace=False, p=p))
    return [items[i] for i in idx]


_CUMULATIVE: dict[int, tuple] = {}


def draw(rng: np.random.Generator, weights: dict, n: int | None = None):
    """Random key(s) of `weights` (a dict key -> weight). The cumulative weights of each dict are cached
    (one `rng.random()` per draw: drawing is the generator's innermost loop)."""
    entry = _CUMULATIVE.get(id(weights))
    if entry is None or entry[0] is not weights:
        keys = list(weights)
        cum = np.cumsum([float(weights[k]) for k in keys])
        entry = (weights, keys, (cum / cum[-1]).tolist())
        _CUMULATIVE[id(weights)] = entry
    _, keys, cum = entry
    if n is None:
        return keys[min(bisect.bisect_right(cum, rng.random()), len(keys) - 1)]
    return [keys[min(bisect.bisect_right(cum, u), len(keys) - 1)] for u in rng.random(n)]


def exact_labels(rng: np.random.Generator, counts: dict, shuffle: bool = True) -> list:
    """A list holding each key of `counts` exactly that many times, shuffled."""
    labels = [k for k, c in counts.items() for _ in range(int(c))]
    if shuffle:
        rng.shuffle(labels)
    return labels


def pct_labels(rng: np.random.Generator, pct: dict, n: int) -> list:
    """`n` labels in the shares `pct` (largest remainder), shuffled."""
    return exact_labels(rng, dict(zip(pct, apportion(n, list(pct.values())))))


def solve_cells(sizes: Sequence[int], members: Sequence[Sequence[int]], targets: Sequence[int]) -> list[int]:
    """How many items to flag in each cell so every set gets exactly its target.

    Cells are disjoint groups of items (`sizes[c]` items each); set s is the union of cells `members[s]`
    and must hold exactly `targets[s]` flagged items. Small problems only (a handful of cells): starts from
    proportional shares and repairs with single and paired moves until every set is exact.
    """
    n_cells = len(sizes)
    incidence = np.zeros((len(targets), n_cells), dtype=int)
    for s, cells in enumerate(members):
        incidence[s, list(cells)] = 1
    target = np.asarray(targets)
    share = np.zeros(n_cells)
    for c in range(n_cells):
        sets = [s for s in range(len(targets)) if incidence[s, c]]
        share[c] = np.mean([target[s] / max(1, incidence[s] @ np.asarray(sizes)) for s in sets]) if sets else 0
    x = np.minimum(np.round(share * np.asarray(sizes)).astype(int), np.asarray(sizes))

    def error(v):
        return int(np.abs(incidence @ v - target).sum())

    moves = [np.eye(n_cells, dtype=int)[c] * d for c in range(n_cells) for d in (1, -1)]
    moves += [np.eye(n_cells, dtype=int)[a] - np.eye(n_cells, dtype=int)[b]
              for a, b in itertools.permutations(range(n_cells), 2)]
    current = error(x)
    while current:
        best = None
        for m in moves:
            v = x + m
            if (v < 0).any() or (v > np.asarray(sizes)).any():
                continue
            e = error(v)
            if e < current and (best is None or e < best[0]):
                best = (e, v)
        if best is None:
            raise ValueError(f"no exact allocation: sizes {list(sizes)}, targets {list(targets)}")
        current, x = best
    return x.tolist()
