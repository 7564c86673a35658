"""Choose artwork for a user, log it, reward it, learn: the library in a few lines.

python examples/choose_artwork.py [LOG_URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bandit import ArtworkChooser, BanditError, Learner, LearnReport
from storage import NewArtwork, StorageError, open_log


class Clock:
    """The example's own time, so it can jump past the reward window instead of waiting."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def main(url: str) -> LearnReport:
    clock = Clock()
    with open_log(url, create=True) as log:  # SQLite path or PostgreSQL URL
        log.register(  # normally `thumbnails extract --db` does this
            "bigbuckbunny",
            [
                NewArtwork("bunny_close.jpg", features={"brightness": 0.6, "closeup": 0.8}),
                NewArtwork("meadow_wide.jpg", features={"brightness": 0.7, "closeup": 0.1}),
            ],
            name="Big Buck Bunny",
        )
        chooser = ArtworkChooser(log, clock=clock, reward_window=timedelta(minutes=30))
        decision = chooser.choose("bigbuckbunny", {"segment": "kids", "device": "tv", "hour": 19})
        print(f"show artwork {decision.artwork_id} with p={decision.probability:.2f}")
        chooser.reward(decision.event_id, 1.0)  # the user clicked

        clock.now += timedelta(minutes=31)  # the reward window closes: the decision can join
        report = Learner(log, clock=clock).run_once()
        print(f"learned {report.learned} decision(s) into checkpoint {report.version}")
        chooser.close()
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="the log: SQLite path or PostgreSQL URL")
    args = parser.parse_args()
    try:
        main(args.url or str(Path(tempfile.mkdtemp()) / "log.sqlite"))
    except (BanditError, StorageError) as exc:  # one line, no traceback
        sys.exit(f"choose_artwork: {exc}")
