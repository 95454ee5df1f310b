"""``python -m wabus.cli``: the same as the ``wabus`` command."""

import sys

from wabus.cli import main

sys.exit(main())
