"""The image type the package passes around: an OpenCV/numpy array (BGR, grey or HSV, uint8).

OpenCV's own stubs type arrays loosely (integer or floating), so this alias is loose too.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy.typing as npt

Image: TypeAlias = npt.NDArray[Any]
