"""Whether a log can answer for a target: uniform logging (for the replay estimator) and
support (how much of the target's probability falls where the logger rarely went)."""

from __future__ import annotations

import numpy as np

from bandit.replay.data import LoggedData
from bandit.replay.intervals import effective_size
from bandit.replay.sparse import FloatArray, GroupedPmf

#: Target mass on actions the logger gave less than this is "unsupported".
SUPPORT_FLOOR = 1e-3
#: Warn when more than this share of the target's mass is unsupported...
MAX_UNSUPPORTED = 0.05
#: ...or, without the logged pmf, when the effective sample size falls below this share of n.
MIN_ESS_SHARE = 0.05
#: How far logged propensities may stray from 1/|candidates| for a log to count as uniform.
UNIFORM_TOLERANCE = 1e-6


def uniform_logging(data: LoggedData) -> bool:
    """Whether every decision was logged uniformly at random over its candidates."""
    if data.logged_pmf is not None:
        pmf = data.logged_pmf
        sizes = np.diff(pmf.indptr)
        if np.any(sizes == 0):
            return False
        spread = np.maximum.reduceat(pmf.probs, pmf.indptr[:-1]) - np.minimum.reduceat(
            pmf.probs, pmf.indptr[:-1]
        )
        same = spread[pmf.of_row] <= UNIFORM_TOLERANCE
        listed_all = sizes[pmf.of_row] == data.candidates.sizes
        return bool(np.all(same & listed_all))
    expected = 1.0 / data.candidates.sizes
    return bool(np.all(np.abs(data.propensity - expected) <= UNIFORM_TOLERANCE * 1e3 * expected))


NOT_UNIFORM = (
    "omitted: the log's propensities are not uniform over each decision's candidates, and"
    " the replay estimator (Li et al. 2011) is unbiased only for a uniformly random logger;"
    " use SNIPS or DR (learning targets get a rejection-sampled replay instead)"
)


def _unsupported_mass(data: LoggedData, pi: GroupedPmf) -> float:
    """The target's mean probability on candidates the logger gave < SUPPORT_FLOOR (or did
    not list at all): one minus its mass where the logger had support."""
    logged = data.logged_pmf
    assert logged is not None
    actions, probs = logged.entries()
    covered = float(pi.probability_on(logged, actions)[probs >= SUPPORT_FLOOR].sum())
    return max(0.0, 1.0 - covered / data.n)


def support_warnings(data: LoggedData, pi: GroupedPmf, w: FloatArray) -> tuple[str, ...]:
    if data.logged_pmf is not None:
        unsupported = _unsupported_mass(data, pi)
        if unsupported > MAX_UNSUPPORTED:
            return (
                f"poor support: the target puts {unsupported:.0%} of its probability on"
                f" artworks the logging policy gave < {SUPPORT_FLOOR:g}; estimates are unreliable",
            )
        return ()
    ess = effective_size(w)
    if ess < MIN_ESS_SHARE * data.n:
        return (
            f"poor support: effective sample size {ess:.0f} is under {MIN_ESS_SHARE:.0%} of"
            f" n={data.n}; the target rarely agrees with what was logged",
        )
    return ()
