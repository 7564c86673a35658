"""``python -m thumbnail_bandit ...``: the ``thumbnail-bandit`` command."""

import sys

from thumbnail_bandit.entry import main

sys.exit(main())
