"""The half-year report (issue 17): the caseload in figures, shareable as it is.

    cases (from the database or `planner batch` folders) -> figures.build_report -> render

`model` holds the cases, `figures` computes every figure (pure), `tables` the small-cell
suppression, `charts` and `render` the formats, `batchsource` reads batch output folders.
"""

from .figures import FIGURES, Figure, Report, build_report
from .model import Case, Caseload, Intervention, Period
from .render import FORMATS, render

__all__ = ["FIGURES", "FORMATS", "Case", "Caseload", "Figure", "Intervention", "Period", "Report", "build_report",
           "render"]
