"""``python -m payback.cli``: the ``payback`` command."""

import sys

from payback.cli import main

sys.exit(main())
