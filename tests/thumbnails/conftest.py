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


@pytest.fixture(scope="session", params=[1, None], ids=["every-frame", "default-step"])
def frame_step(request: pytest.FixtureRequest) -> int | None:
    """Ground truth must hold whether every frame is analysed or only every n-th."""
    step: int | None = request.param
    return step


@pytest.fixture(scope="session")
def story_top6(story: StoryVideo, frame_step: int | None) -> Extraction:
    return analyse_video(story.path, top_k=6, frame_step=frame_step)
