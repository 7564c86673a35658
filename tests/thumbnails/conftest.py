from __future__ import annotations

from pathlib import Path

import pytest

from tests.thumbnails.synthetic import StoryVideo, make_story_video
from thumbnails import Extraction, analyse_video

BIG_BUCK_BUNNY = Path(__file__).parents[2] / "examples" / "media" / "bigbuckbunny.mp4"


@pytest.fixture(scope="session")
def story(tmp_path_factory: pytest.TempPathFactory) -> StoryVideo:
    """The ground-truth video, written once per test session."""
    return make_story_video(tmp_path_factory.mktemp("story") / "story.mp4")


@pytest.fixture(scope="session")
def story_top6(story: StoryVideo) -> Extraction:
    return analyse_video(story.path, top_k=6)
