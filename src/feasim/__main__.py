"""``python -m feasim``: the same as the ``feasim`` command."""

import sys

from .cli import main

sys.exit(main())
