"""`python -m db …` runs the command line of cli/ (kept because the README, the Makefile and scripts use it)."""

import sys

from cli.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
