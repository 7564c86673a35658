"""``python -m bandit.replay``: an alias of ``thumbnail-bandit replay``."""

import sys

from bandit.cli.replay import main

sys.exit(main())
