"""``python -m fediserver.cli``: the same as the ``fediserver`` command."""

import sys

from fediserver.cli import main

sys.exit(main())
