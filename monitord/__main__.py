"""``python -m monitord`` is the ``monitord`` command."""

import sys

from monitord.cli import main

sys.exit(main())
