"""`python -m planner ...` runs the command line, as the installed `planner` script does.

Useful where the script is not on PATH (a virtual environment not activated, a checkout run
from its root without installing)."""

from planner.cli import main

if __name__ == "__main__":  # pragma: no cover
    main(prog_name="planner")
