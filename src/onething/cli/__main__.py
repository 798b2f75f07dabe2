"""`python -m onething.cli`."""

import sys

from onething.cli import main

sys.exit(main())
