"""Sparse shapes for replay: candidate sets stored once per distinct set, and a target's pmf
stored once per group of decisions that share it. Memory grows with the log's rows and the
candidates they list, never with rows x every action the log knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


DENSE_FACTOR = 4
"""A pmf is also kept as a dense table when that has at most this many cells per stored
entry."""


def _indptr(sizes: Sequence[int] | IntArray) -> IntArray:
    out: IntArray = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=out[1:])
    return out


@dataclass(frozen=True)
class CandidateSets:
    """Which actions each decision could choose: ``of_row`` names each row's set; the sets
    themselves are stored once, as sorted action indices."""

    of_row: IntArray
    """Shape (n,): the set of each row."""
    indptr: IntArray
    """Shape (K+1,): set k is ``actions[indptr[k]:indptr[k+1]]``."""
    actions: IntArray
    """Action indices, sorted within each set."""

    @classmethod
    def from_lists(cls, lists: Sequence[Sequence[int]]) -> CandidateSets:
        """One set per distinct list (order does not matter)."""
        ids: dict[tuple[int, ...], int] = {}
        of_row = np.empty(len(lists), dtype=np.int64)
        for row, items in enumerate(lists):
            key = tuple(sorted(items))
            of_row[row] = ids.setdefault(key, len(ids))
        sets = list(ids)
        actions = np.fromiter((a for s in sets for a in s), dtype=np.int64)
        return cls(of_row, _indptr([len(s) for s in sets]), actions)

    @classmethod
    def everything(cls, rows: int, n_actions: int) -> CandidateSets:
        """Every row may choose every action (a log without candidate lists)."""
        return cls(
            np.zeros(rows, dtype=np.int64),
            np.array([0, n_actions], dtype=np.int64),
            np.arange(n_actions, dtype=np.int64),
        )

    @property
    def sizes(self) -> IntArray:
        """Shape (n,): how many candidates each row had."""
        per_set: IntArray = np.diff(self.indptr)
        return per_set[self.of_row]

    def members(self, k: int) -> IntArray:
        return self.actions[self.indptr[k] : self.indptr[k + 1]]

    def row_actions(self) -> tuple[IntArray, IntArray]:
        """Every (row, action) pair, rows in order: the flat form of all rows' candidates."""
        rows, entries = expand_slices(self.of_row, self.indptr)
        return rows, self.actions[entries]

    def subset(self, rows: IntArray) -> CandidateSets:
        return CandidateSets(self.of_row[rows], self.indptr, self.actions)


def expand_slices(of_row: IntArray, indptr: IntArray) -> tuple[IntArray, IntArray]:
    """For rows that each point at a slice ``indptr[g]:indptr[g+1]`` of shared storage: every
    (row, index into the storage) pair, rows in order."""
    sizes = np.diff(indptr)[of_row]
    rows = np.repeat(np.arange(len(of_row)), sizes)
    offsets = np.arange(len(rows)) - np.repeat(_indptr(sizes)[:-1], sizes)
    entries: IntArray = np.repeat(indptr[of_row], sizes) + offsets
    return rows, entries


@dataclass(frozen=True)
class GroupedPmf:
    """A target policy's pmf for every logged decision, stored once per group of rows that
    share it (a static table: one per segment and candidate set; a policy: one per row)."""

    of_row: IntArray
    """Shape (n,): each row's group."""
    indptr: IntArray
    """Shape (G+1,)."""
    actions: IntArray
    """Shape (nnz,): action indices, sorted within each group."""
    probs: FloatArray
    """Shape (nnz,): each group's probabilities, summing to 1 per group."""
    segment_of_group: IntArray
    """Shape (G,): the segment index of the rows in each group (the reward model needs it)."""
    n_actions: int

    @cached_property
    def _dense(self) -> FloatArray | None:
        """The pmf as a (groups, actions) table, when that is not much bigger than the
        sparse form: a lookup is then one gather instead of a binary search per entry."""
        groups = len(self.indptr) - 1
        if groups * self.n_actions > max(DENSE_FACTOR * len(self.actions), 1 << 16):
            return None
        table: FloatArray = np.zeros((groups, self.n_actions))
        table[self._owners, self.actions] = self.probs
        return table

    @cached_property
    def _owners(self) -> IntArray:
        owners: IntArray = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        return owners

    @cached_property
    def _keys(self) -> IntArray:
        keys: IntArray = self._owners * self.n_actions + self.actions
        return keys  # sorted: groups ascend, actions ascend within

    def _lookup(self, groups: IntArray, actions: IntArray) -> FloatArray:
        dense = self._dense
        if dense is not None:
            found: FloatArray = dense[groups, actions]
            return found
        keys = self._keys
        wanted = groups * self.n_actions + actions
        pos = np.searchsorted(keys, wanted)
        pos = np.minimum(pos, max(len(keys) - 1, 0))
        hit = keys[pos] == wanted if len(keys) else np.zeros(len(wanted), dtype=bool)
        out: FloatArray = np.where(hit, self.probs[pos] if len(keys) else 0.0, 0.0)
        return out

    def row_entries(self) -> tuple[IntArray, IntArray]:
        """Every (row, entry) pair: each row with the indices into ``actions``/``probs`` of
        its group's entries, rows in order (computed once; treat as read-only)."""
        return self._row_entries

    @cached_property
    def _row_entries(self) -> tuple[IntArray, IntArray]:
        if self.group_per_row:
            return self._owners, np.arange(len(self.actions), dtype=np.int64)
        return expand_slices(self.of_row, self.indptr)

    @cached_property
    def group_per_row(self) -> bool:
        """A group per row, in row order (a policy's pmf, the logged pmf): `row_entries`'
        entries are then the storage itself, in order."""
        groups = len(self.indptr) - 1
        return len(self.of_row) == groups and bool(np.array_equal(self.of_row, np.arange(groups)))

    def row_runs(self) -> tuple[IntArray, IntArray]:
        """Where each row's run of `row_entries` starts, and which rows have one (a row with
        an empty pmf has none): from the groups' sizes, without a pass over the entries."""
        return self._row_runs

    @cached_property
    def _row_runs(self) -> tuple[IntArray, IntArray]:
        sizes = np.diff(self.indptr)[self.of_row]
        owners = np.flatnonzero(sizes)
        starts: IntArray = (np.cumsum(sizes) - sizes)[owners]
        return starts, owners

    def probability(self, rows: IntArray, actions: IntArray) -> FloatArray:
        """The target's probability of ``actions[j]`` for row ``rows[j]`` (0 if not offered)."""
        return self._lookup(self.of_row[rows], actions)

    def entries(self) -> tuple[IntArray, FloatArray]:
        """The actions and probabilities of every row's entries, rows in order (as
        `row_entries`); the storage itself when there is a group per row."""
        if self.group_per_row:
            return self.actions, self.probs
        _, entries = self.row_entries()
        return self.actions[entries], self.probs[entries]

    def probability_on(self, other: GroupedPmf, actions: IntArray) -> FloatArray:
        """This pmf's probability of each of ``other``'s row entries (their ``actions``, from
        `entries`): on a (rows, width) grid when its rows are all as wide."""
        if other.row_width:
            grid = actions.reshape(len(other.of_row), other.row_width)
            return self.probability_grid(grid).ravel()
        rows, _ = other.row_entries()
        return self.probability(rows, actions)

    def probability_grid(self, actions: IntArray) -> FloatArray:
        """Shape (n, k): row i's probability of each action in ``actions[i]``."""
        return self._lookup(self.of_row[:, None], actions)

    @cached_property
    def row_width(self) -> int:
        """How many entries every row has; 0 when rows differ (or have none)."""
        sizes = np.diff(self.indptr)[self.of_row]
        if not len(sizes) or sizes.min() != sizes.max():
            return 0
        return int(sizes[0])

    def at(self, actions: IntArray) -> FloatArray:
        """Shape (n,): each row's probability of ``actions[i]`` (the logged action)."""
        return self._lookup(self.of_row, actions)

    def expect(self, table: FloatArray) -> FloatArray:
        """Shape (n,): each row's expectation of ``table[segment, action]`` under the pmf,
        where ``table`` has shape (n_segments, n_actions)."""
        sizes = np.diff(self.indptr)
        owners = self._owners
        terms = self.probs * table[self.segment_of_group[owners], self.actions]
        per_group = np.bincount(owners, weights=terms, minlength=len(sizes))
        out: FloatArray = per_group[self.of_row].astype(np.float64)
        return out

    def take(self, rows: IntArray) -> GroupedPmf:
        """The same pmf for a subset of rows (groups are shared, not copied)."""
        return GroupedPmf(
            self.of_row[rows],
            self.indptr,
            self.actions,
            self.probs,
            self.segment_of_group,
            self.n_actions,
        )

    @classmethod
    def from_dense(cls, matrix: FloatArray, segment_index: IntArray) -> GroupedPmf:
        """From a (n, A) matrix of per-row pmfs: one group per row, zero entries dropped."""
        rows, actions = np.nonzero(matrix)
        return cls(
            of_row=np.arange(matrix.shape[0], dtype=np.int64),
            indptr=_indptr(np.bincount(rows, minlength=matrix.shape[0])),
            actions=actions.astype(np.int64),
            probs=matrix[rows, actions].astype(np.float64),
            segment_of_group=segment_index.astype(np.int64),
            n_actions=matrix.shape[1],
        )

    @classmethod
    def per_row(
        cls,
        sizes: IntArray,
        actions: IntArray,
        probs: FloatArray,
        segment_index: IntArray,
        n_actions: int,
    ) -> GroupedPmf:
        """One group per row, with row i's ``sizes[i]`` (action, prob) entries in order."""
        return cls(
            np.arange(len(sizes), dtype=np.int64),
            _indptr(sizes),
            actions,
            probs,
            segment_index.astype(np.int64),
            n_actions,
        )
