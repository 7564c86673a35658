"""Choose artwork for a user, log it, reward it, learn: the library in ten lines.

python examples/choose_artwork.py [LOG_URL]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bandit import ArtworkChooser, Learner
from storage import NewArtwork, open_log, register_artworks, register_title, session_factory


def main(url: str) -> None:
    engine = open_log(url)  # SQLite path or PostgreSQL URL; migrates to the head schema
    with session_factory(engine).begin() as session:  # normally `thumbnails extract --db` does this
        register_title(session, "bigbuckbunny", "Big Buck Bunny")
        register_artworks(
            session,
            "bigbuckbunny",
            [
                NewArtwork("bunny_close.jpg", features={"brightness": 0.6, "closeup": 0.8}),
                NewArtwork("meadow_wide.jpg", features={"brightness": 0.7, "closeup": 0.1}),
            ],
        )

    chooser = ArtworkChooser(engine)
    decision = chooser.choose("bigbuckbunny", {"segment": "kids", "device": "tv", "hour": 19})
    print(f"show artwork {decision.artwork_id} with p={decision.probability:.2f}")
    chooser.reward(decision.event_id, 1.0)  # the user clicked
    print(Learner(engine).run_once())  # joins rewards once their window closes, then learns


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "log.sqlite"))
