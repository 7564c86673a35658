"""The bounded shortlist: each window's best frame, kept at full resolution, diverse by shot.

Its size does not depend on the video's length, which is what bounds memory: at most
``capacity`` full-resolution frames are held, however long the video.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from thumbnails.analysis import FrameStats
from thumbnails.dedupe import Signature
from thumbnails.image import Image


@dataclass(slots=True)
class Shortlisted:
    stats: FrameStats
    shot: int
    image: Image
    """Full-resolution frame."""
    small: Image
    """Analysis-size frame."""
    quick: float
    signature: Signature

    @classmethod
    def of(
        cls, stats: FrameStats, shot: int, image: Image, small: Image, quick: float
    ) -> Shortlisted:
        """A shortlisted frame, its signature taken over the active picture."""
        x, y, w, h = stats.box
        signature = Signature.of(small[y : y + h, x : x + w])
        return cls(stats, shot, image, small, quick, signature)


#: Full-resolution frames the shortlist may hold, in bytes. 22 frames of 1080p fit; at 4K the
#: shortlist shrinks to 10 (peak RSS on a 24-shot 4K title went from ~900 MB to ~620 MB).
MEMORY_BUDGET = 256 * 2**20


def shortlist_capacity(top_k: int, frame_bytes: int) -> int:
    """Room for every shot's best and some spares (``2 * top_k + 6``, at least 12), shrunk to
    `MEMORY_BUDGET` for large frames but never below ``top_k + 2``."""
    wanted = max(12, 2 * top_k + 6)
    return max(top_k + 2, min(wanted, MEMORY_BUDGET // max(1, frame_bytes)))


class Shortlist:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.entries: list[Shortlisted] = []

    def add(self, entry: Shortlisted) -> None:
        for i, kept in enumerate(self.entries):
            if kept.signature.duplicates(entry.signature):
                if entry.quick > kept.quick:
                    self.entries[i] = entry  # same picture, better frame
                return
        self.entries.append(entry)
        if len(self.entries) > self.capacity:
            self._evict()

    def _evict(self) -> None:
        # Keep every shot represented as long as possible: drop the weakest frame of the most
        # crowded shot; only when each shot has one frame, drop the weakest overall.
        crowd = Counter(e.shot for e in self.entries)
        shot, count = crowd.most_common(1)[0]
        pool = [e for e in self.entries if e.shot == shot] if count > 1 else self.entries
        self.entries.remove(min(pool, key=lambda e: e.quick))
