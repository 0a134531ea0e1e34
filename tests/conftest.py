from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def scenario():
    """Load a bundled scenario by file stem."""
    from planner.io.household import read_household

    return lambda name: read_household(SCENARIOS / f"{name}.toml")
