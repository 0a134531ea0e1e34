"""`planner report` on two cores (`planner.halfyear.forked.split_map`): the items shared with a
forked child a chunk at a time, the results the plain loop's, in its order; a child that fails is
made up for in the parent, an error in the parent's share is raised with the child reaped; and
the command's cases and documents are the same bytes with the fork as without."""

from __future__ import annotations

import os
import time

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


@pytest.mark.parametrize("n,chunk", [(0, 1), (1, 1), (3, 1), (4, 1), (5, 2), (10, 3), (101, 7), (250, 250)])
def test_the_results_of_the_plain_loop_in_its_order(n, chunk):
    items = [(k, "x" * (k % 7)) for k in range(n)]
    assert forked.split_map(lambda t: (t[0] * t[0], t[1].upper()), items, chunk=chunk) == \
        [(k * k, s.upper()) for k, s in items]


@needs_fork
def test_the_child_takes_chunks_while_the_parent_does_other_work():
    parent, ran = os.getpid(), []

    def slow(k: int) -> tuple[int, int]:
        time.sleep(0.01)
        return k, os.getpid()

    out = forked.split_map(slow, range(40), chunk=4, meanwhile=lambda: ran.append(time.sleep(0.15)))
    assert [k for k, _ in out] == list(range(40)) and ran == [None]
    mine = [k for k, pid in out if pid == parent]
    theirs = [k for k, pid in out if pid != parent]
    assert len({pid for _, pid in out}) == 2 and len(theirs) > len(mine)  # the child went on meanwhile
    assert all(len({pid for _, pid in out[c:c + 4]}) == 1 for c in range(0, 40, 4))  # whole chunks
    ran.clear()
    assert forked.split_map(slow, range(6), parallel=False, meanwhile=lambda: ran.append(1)) == \
        [(k, parent) for k in range(6)] and ran == [1]


@needs_fork
def test_a_failing_child_is_made_up_for_in_the_parent():
    parent = os.getpid()

    def only_here(k: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("the child's share fails")
        return k + 1

    before = children()
    assert forked.split_map(only_here, range(9)) == list(range(1, 10))
    assert forked.split_map(only_here, range(9), meanwhile=lambda: time.sleep(0.1)) == list(range(1, 10))
    assert forked.split_map(lambda k: (lambda: k) if os.getpid() != parent else k, range(6)) == list(range(6))  # unpicklable
    assert children() == before  # reaped


@needs_fork
def test_an_error_in_the_parents_share_is_raised_and_the_child_reaped():
    before = children()
    with pytest.raises(ZeroDivisionError):
        forked.split_map(lambda k: 1 // (k - 4), range(8))  # item 4, wherever it is done
    with pytest.raises(ZeroDivisionError):
        forked.split_map(lambda k: k, range(8), meanwhile=lambda: 1 // 0)
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
