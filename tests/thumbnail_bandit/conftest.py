"""The extraction command's tests run on the same generated video as the library's."""

from tests.thumbnails.conftest import story

__all__ = ["story"]
