import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def scenario():
    """Load a bundled scenario by file stem."""
    from planner.io.household import read_household

    return lambda name: read_household(SCENARIOS / f"{name}.toml")


# The mutation run (README "Mutation testing") runs the engine tests once per mutant: with
# $PLANNER_MAX_EXAMPLES set, hypothesis draws the same few examples every time (derandomized,
# no example database), so a mutant is killed or survives the same way on every run.
if os.environ.get("PLANNER_MAX_EXAMPLES"):
    from hypothesis import settings

    settings.register_profile("mutation", derandomize=True, database=None, deadline=None, print_blob=False)
    settings.load_profile("mutation")
