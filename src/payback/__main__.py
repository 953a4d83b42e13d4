"""``python -m payback``: the ``payback`` command, as ``python -m payback.cli``."""

import sys

from payback.cli import main

sys.exit(main())
