"""Update the tracked screenshots in docs/screenshots/ from the browser tests.

The test suite writes its screenshots only to a temporary folder (a test run must not change
tracked files). This script runs the tests that take them with PLANNER_SCREENSHOTS pointing at
a fresh temporary folder and copies the ones the README shows into docs/screenshots/:

    python bench/screenshots.py

Needs what the browser tests need (Debian's chromium, Playwright for Python).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
#: The screenshots the README shows: the 1280 px ones of the walk-through, and phone width.
TRACKED = ("list.png", "household.png", "form-validation.png", "list-390.png", "household-390.png",
           "new-form-390.png", "form-with-errors-390.png", "letter-preview.png", "followup.png",
           # the loop (docs/saksbehandler/oppfolging.md)
           "loop-ledger.png", "loop-followup-kept.png", "loop-case-broken.png",
           # the plan page without a problem, and the robust and on-time plans (docs/saksbehandler/plan.md)
           "plan-no-intervention.png", "plan-robust-on-time.png")
TESTS = ("test_create_the_single_mother or test_bad_input_shows or "
         "test_every_page_has_no_serious_accessibility_problem or test_casework_from_entry_to_restore or "
         "test_ledger_to_case_to_kept_and_broken or test_every_page_has_no_axe_violation_and_fits")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PLANNER_SCREENSHOTS=tmp)
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "tests/test_web_browser.py", "tests/test_web_casework_browser.py",
                              "tests/test_web_planfollow_browser.py", "tests/test_browser_pages.py", "-n", "0",
                              "-m", "slow", "-k", TESTS], cwd=ROOT, env=env)
        if run.returncode != 0:
            print("the browser tests failed: screenshots not updated", file=sys.stderr)
            return run.returncode
        missing = [name for name in TRACKED if not (Path(tmp) / name).exists()]
        if missing:
            print(f"the tests wrote no {', '.join(missing)}", file=sys.stderr)
            return 1
        OUT.mkdir(parents=True, exist_ok=True)
        for name in TRACKED:
            shutil.copyfile(Path(tmp) / name, OUT / name)
            print(f"wrote {(OUT / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
