"""`python -m qa` is the `qa` command."""

import sys

from qa.cli import main

sys.exit(main())
