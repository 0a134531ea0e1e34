"""The half-year report's formats load only what they need: the HTML is text, written without
WeasyPrint (whose import costs half a second of CPU), and is the page a process with WeasyPrint
loaded writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_html_report_is_written_without_loading_weasyprint(tmp_path):
    """`preload("html")` loads what the HTML needs and not WeasyPrint (half a second of CPU):
    the HTML is text, and the page written is the one from a process that has WeasyPrint loaded."""
    script = (
        "import sys, importlib\n"
        "from halfyear_gen import PERIOD, case_of, truth\n"
        "from planner.halfyear import Caseload, Period, build_report\n"
        "render = importlib.import_module('planner.halfyear.render')\n"
        "cl = Caseload(); cl.add([case_of(t) for t in truth()], 'generert')\n"
        "report = build_report(cl, Period(*PERIOD))\n"
        "render.preload('html')\n"
        "page = render.render(report, 'html', parallel=True)\n"
        "assert 'weasyprint' not in sys.modules, 'weasyprint loaded'\n"
        "render.preload('pdf')\n"
        "assert 'weasyprint' in sys.modules and render.render(report, 'html') == page\n"
        "sys.stdout.buffer.write(page)\n")
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(root / "tests")]))
    out = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    assert out.stdout.startswith(b"<!DOCTYPE html>") and b"data:image/svg+xml;base64," in out.stdout
