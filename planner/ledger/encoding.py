"""Which encoding a CSV ledger is in, and a clean copy of one that mixes two.

Why apart: a Norwegian office's export is UTF-8 or Windows-1252, and a file pasted together
from two sources holds both; the reader must know before it reads a row (pyarrow reads one
encoding), and a mixed file is read from a UTF-8 copy whose foreign rows are reported.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
from pathlib import Path

from ..io.tables import ColumnMap, guess_separator


def sniff_encoding(path: Path) -> tuple[str, int | None]:
    """('utf-8' if the whole file is UTF-8; 'cp1252' if it holds no UTF-8 sequence at all (a
    Norwegian Excel export); 'mixed' if it holds both (rows pasted from two sources), and the
    count of quote characters (`_unclosed_quote`; None for a mixed file)), in one pass over the bytes.

    Why one pass, and ASCII first: a ledger of millions of rows is hundreds of MB; decoding it
    and counting its quotes in two passes cost half a second before a row was read. A block of
    plain ASCII (most blocks of most ledgers) is valid UTF-8 without decoding it."""
    dec = codecs.getincrementaldecoder("utf-8")()
    seen_utf8 = False
    bad = False
    quotes = 0
    multibyte = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            if b'"' in block:  # (a search for one byte is fast; counting every byte is not)
                quotes += block.count(b'"')
            if block.isascii() and not dec.getstate()[0]:  # nothing to decode, no sequence cut in two
                continue
            if not seen_utf8 and multibyte.search(block):
                seen_utf8 = True
            if not bad:
                try:
                    dec.decode(block)
                except UnicodeDecodeError:
                    bad = True
            if bad and seen_utf8:  # mixed: the quotes are counted in the clean copy
                return "mixed", None
    if not bad:
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            bad = True
    if not bad:
        return "utf-8", quotes
    return ("mixed" if seen_utf8 else "cp1252"), quotes


def clean_copy(path: Path, colmap: ColumnMap, work_dir: Path | None = None) -> tuple[Path, set[int]]:
    """A UTF-8 copy of a file that mixes encodings, and the rows that were not UTF-8.

    Read as latin-1 (every byte is a character), so records and quoting are kept; a record whose
    bytes are not UTF-8 is decoded as cp1252 in the copy and reported, because its tenancy id may
    differ from the same tenancy's UTF-8 rows (Ø as one byte or two)."""
    bad: set[int] = set()
    # 0600, named by this process (a killed run's copy is removed by the next, see run_ledger)
    fd, tmp = tempfile.mkstemp(prefix=f".ledger-{os.getpid()}-", suffix=".csv", dir=work_dir)
    with open(path, encoding="latin-1", newline="") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
        lines = [src.readline() for _ in range(30)]
        # the header line has the most separators (a title line above it has none)
        sep = colmap.separator or guess_separator(max(lines, key=lambda ln: sum(map(ln.count, ",;\t"))))
        src.seek(0)
        w = csv.writer(dst, delimiter=sep, lineterminator="\n")
        for n, fields in enumerate(csv.reader(src, delimiter=sep), 1):
            out = []
            for f in fields:
                b = f.encode("latin-1")
                try:
                    out.append(b.decode("utf-8-sig" if n == 1 else "utf-8"))
                except UnicodeDecodeError:
                    out.append(b.decode("cp1252", errors="replace"))
                    bad.add(n)
            w.writerow(out)
    return Path(tmp), bad
