"""Bootstrap intervals that include the reward model's own variance.

Every estimator here is a ratio of sums over rows, or (DM, DR) a function of sums over
(fold, segment, action) cells once the built-in reward model is written as cell statistics.
So one Poisson weight per resampled unit, applied to per-unit sums, gives every estimator on
every resample, with the reward model refitted on that resample, for the cost of a matrix
product. Past `MAX_UNITS` rows, contiguous blocks of rows are the units (their sums are
i.i.d. like the rows', and a block bootstrap also respects drift along the log).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandit.replay.data import LoggedData
from bandit.replay.reward_model import DEFAULT_RIDGE, FOLDS, RewardModel, folds
from bandit.replay.sparse import FloatArray, GroupedPmf, IntArray, expand_slices

#: Above this many rows, blocks of rows are resampled instead of rows.
MAX_UNITS = 20_000
#: Cells x units the refitting bootstrap may hold (4 matrices of 8-byte floats, ~200 MB);
#: past it the units are coarser blocks, down to MIN_UNITS; past that the model is held fixed.
MAX_CELL_UNITS = 6_000_000
MIN_UNITS = 1_000

RATIO_COLUMNS = ("ips", "w", "pi_r", "pi", "clipped-ips", "one")


@dataclass(frozen=True)
class Resamples:
    """Each estimator's value on every resample, shape (B,) each."""

    values: dict[str, FloatArray]
    model_refitted: bool


def _units(n: int, cells: int) -> tuple[IntArray, int]:
    units = min(n, MAX_UNITS)
    while units > MIN_UNITS and units * cells > MAX_CELL_UNITS:
        units //= 2
    if units >= n:
        return np.arange(n, dtype=np.int64), n
    starts = np.linspace(0, n, units, endpoint=False).astype(np.int64)
    unit = np.searchsorted(starts, np.arange(n), side="right") - 1
    return unit.astype(np.int64), units


def _per_unit(
    unit: IntArray, n_units: int, cell: IntArray, n_cells: int, w: FloatArray
) -> FloatArray:
    out = np.bincount(unit * n_cells + cell, weights=w, minlength=n_units * n_cells)
    return out.reshape(n_units, n_cells).astype(np.float64)


def _shrunk_batch(counts: FloatArray, sums: FloatArray, ridge: float) -> FloatArray:
    """`reward_model.shrunk_tables` over a leading batch axis: (B, F, S, A) in and out."""
    tables = np.empty_like(sums)
    for f in range(FOLDS):
        other = 1 - f
        empty = counts[:, other].sum(axis=(1, 2)) <= 0
        n = np.where(empty[:, None, None], counts[:, f], counts[:, other])
        r = np.where(empty[:, None, None], sums[:, f], sums[:, other])
        total = n.sum(axis=(1, 2))
        overall = np.divide(r.sum(axis=(1, 2)), total, out=np.zeros_like(total), where=total > 0)
        action_mean = (r.sum(axis=1) + ridge * overall[:, None]) / (n.sum(axis=1) + ridge)
        tables[:, f] = (r + ridge * action_mean[:, None, :]) / (n + ridge)
    return tables


def resample(
    data: LoggedData,
    pi: GroupedPmf,
    w: FloatArray,
    w_clipped: FloatArray,
    model: RewardModel,
    *,
    draws: int,
    seed: int,
    ridge: float = DEFAULT_RIDGE,
) -> Resamples:
    """``draws`` Poisson-bootstrap resamples of every estimator."""
    n = data.n
    S, A = len(data.segment_names), len(data.actions)
    n_cells = FOLDS * S * A
    refit = model.refittable
    unit, n_units = _units(n, n_cells if refit else 1)
    if refit and n_units * n_cells > MAX_CELL_UNITS:
        refit = False
    pi_logged = pi.at(data.chosen)
    r = data.reward
    linear = [w * r, w, pi_logged * r, pi_logged, w_clipped * r, None] + (
        []
        if refit
        else [
            model.expect(pi),
            w * (r - model.at(data.chosen)),
            w_clipped * (r - model.at(data.chosen)),
        ]
    )
    # Column by column: stacking the rows first would copy them and hand bincount strides.
    per_unit = np.column_stack(
        [
            np.bincount(unit, weights=column, minlength=n_units).astype(np.float64)
            for column in linear
        ]
    )
    rng = np.random.default_rng(seed)
    weights = rng.poisson(1.0, size=(max(draws, 0), n_units)).astype(np.float64)
    sums = weights @ per_unit
    d = {name: sums[:, i] for i, name in enumerate(RATIO_COLUMNS)}
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {
            "ips": d["ips"] / d["one"],
            "snips": d["ips"] / d["w"],
            "replay": d["pi_r"] / d["pi"],
            "clipped-ips": d["clipped-ips"] / d["one"],
        }
        if not refit:
            dm, dr, cdr = (sums[:, len(RATIO_COLUMNS) + i] for i in range(3))
            values["dm"] = dm / d["one"]
            values["dr"] = (dm + dr) / d["one"]
            values["clipped-dr"] = (dm + cdr) / d["one"]
            return Resamples(values, model_refitted=False)
        fold = folds(n)
        shape = (FOLDS, S, A)
        cell = np.ravel_multi_index((fold, data.segment_index, data.chosen), shape)
        counts = weights @ _per_unit(unit, n_units, cell, n_cells, np.ones(n))
        reward = weights @ _per_unit(unit, n_units, cell, n_cells, r)
        v = weights @ _per_unit(unit, n_units, cell, n_cells, w)
        v_clip = weights @ _per_unit(unit, n_units, cell, n_cells, w_clipped)
        q = weights @ _target_mass(data, pi, unit, n_units, fold, shape)
        tables = _shrunk_batch(
            counts.reshape(-1, *shape), reward.reshape(-1, *shape), ridge
        ).reshape(len(weights), n_cells)
        dm = (tables * q).sum(axis=1)
        values["dm"] = dm / d["one"]
        values["dr"] = (dm + d["ips"] - (tables * v).sum(axis=1)) / d["one"]
        values["clipped-dr"] = (dm + d["clipped-ips"] - (tables * v_clip).sum(axis=1)) / d["one"]
    return Resamples(values, model_refitted=True)


def _target_mass(
    data: LoggedData,
    pi: GroupedPmf,
    unit: IntArray,
    n_units: int,
    fold: IntArray,
    shape: tuple[int, int, int],
) -> FloatArray:
    """Per unit and (fold, segment, action) cell: the target's probability mass, summed over
    the unit's rows of that fold and segment. Rows that share a pmf group are counted once
    per (unit, fold, group) and spread over the group's actions."""
    G = len(pi.indptr) - 1
    key = (unit * FOLDS + fold) * G + pi.of_row
    combos, count = np.unique(key, return_counts=True)
    group = combos % G
    unit_fold = combos // G
    owner, entry = expand_slices(group, pi.indptr)
    segment = pi.segment_of_group[group][owner]
    f = (unit_fold % FOLDS)[owner]
    u = (unit_fold // FOLDS)[owner]
    cell = np.ravel_multi_index((f, segment, pi.actions[entry]), shape)
    n_cells = int(np.prod(shape))
    out = np.bincount(
        u * n_cells + cell, weights=pi.probs[entry] * count[owner], minlength=n_units * n_cells
    )
    return out.reshape(n_units, n_cells).astype(np.float64)
