"""Had we served another policy, what click rate would we have had? Replay on a CSV log.

    python examples/replay_from_csv.py

The same as ``thumbnail-bandit replay --log examples/data/sample_log.csv --target ...``.
"""

from __future__ import annotations

from pathlib import Path

from bandit.replay import StaticTable, UniformTarget, load_csv_log, run_replay
from bandit.replay.report import table

DATA = Path(__file__).parent / "data"


def main() -> dict[str, float]:
    log = load_csv_log(DATA / "sample_log.csv")  # logged by a uniform policy elsewhere
    targets = [
        StaticTable.from_csv(DATA / "personalised_target.csv"),  # a poster per segment
        StaticTable.from_csv(DATA / "one_poster_target.csv"),  # poster_b for everyone
        UniformTarget(),
    ]
    estimates, _ = run_replay(log, targets, by_segment=True)
    print(table([e for e in estimates if e.estimator in ("snips", "dr")]))
    return {e.target: e.estimate for e in estimates if e.estimator == "dr" and e.segment is None}


if __name__ == "__main__":
    main()
