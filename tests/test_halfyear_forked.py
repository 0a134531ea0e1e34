"""`planner report` on two cores (`planner.halfyear.forked.split_map`): every second item in a
forked child, the results the plain loop's, in its order; a child that fails is made up for in
the parent, an error in the parent's share is raised with the child reaped; and the command's
cases and documents are the same bytes with the fork as without."""

from __future__ import annotations

import os

import pytest
from halfyear_gen import PERIOD, truth, write_db

from planner.halfyear import Caseload, Period, build_report, forked, render
from planner.halfyear.dbsource import read_db

needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or forked.cores() < 2, reason="needs fork and two cores")


def children() -> set[int]:
    """This process's child processes (zombies included), from /proc."""
    me, out = str(os.getpid()), set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[1] == me:
                    out.add(int(pid))
        except OSError:
            continue
    return out


@pytest.mark.parametrize("n", [0, 1, 3, 4, 5, 10, 101])
def test_the_results_of_the_plain_loop_in_its_order(n):
    items = [(k, "x" * (k % 7)) for k in range(n)]
    assert forked.split_map(lambda t: (t[0] * t[0], t[1].upper()), items) == [(k * k, s.upper()) for k, s in items]


@needs_fork
def test_every_second_item_is_done_in_a_child():
    parent = os.getpid()
    pids = forked.split_map(lambda _: os.getpid(), range(10))
    assert pids[0::2] == [parent] * 5
    assert len(set(pids[1::2])) == 1 and pids[1] != parent
    assert forked.split_map(lambda _: os.getpid(), range(10), parallel=False) == [parent] * 10


@needs_fork
def test_a_failing_child_is_made_up_for_in_the_parent():
    parent = os.getpid()

    def only_here(k: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("the child's share fails")
        return k + 1

    before = children()
    assert forked.split_map(only_here, range(9)) == list(range(1, 10))
    assert forked.split_map(lambda k: (lambda: k) if os.getpid() != parent else k, range(6)) == list(range(6))  # unpicklable
    assert children() == before  # reaped


@needs_fork
def test_an_error_in_the_parents_share_is_raised_and_the_child_reaped():
    before = children()
    with pytest.raises(ZeroDivisionError):
        forked.split_map(lambda k: 1 // (k - 4), range(8))  # item 4: the parent's share
    assert children() == before


@pytest.mark.slow  # the caseload read and the report written twice, XLSX and PDF included
def test_the_command_path_gives_the_same_cases_and_bytes(tmp_path):
    url = f"sqlite:///{tmp_path / 'planner.db'}"
    write_db(truth(), url)
    plain, forked_read = read_db(url), read_db(url, parallel=True)
    assert forked_read == plain
    cl = Caseload()
    cl.add(*plain)
    report = build_report(cl, Period(*PERIOD))
    for fmt in ("md", "html", "xlsx", "pdf"):
        assert render(report, fmt, parallel=True) == render(report, fmt), fmt
