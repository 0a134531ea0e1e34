"""The upload's readers: the per-upload report, the unpacking of zips and the parsing of one
TOML/JSON document, each refusing bad input with a Norwegian message naming the file.

Uploads are untrusted: zips are limited in members and in bytes actually unpacked (counted while
reading, not taken from the zip's own headers), and documents nested deeper than a household
ever is, or with numbers Python refuses to convert (over 4 300 digits), are refused as bad input.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .limits import Limits, MiB


@dataclass
class ImportReport:
    kind: str  # "toml" or "batch"
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: households left out because a file of theirs was refused (batch import, file by file)
    refused_ids: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        """Something was stored, or nothing was wrong (a batch import stores what it can)."""
        return not self.errors or bool(self.created or self.updated)

    def refuse(self) -> ImportReport:
        """Nothing was stored: say so under the problems."""
        self.created.clear()
        self.updated.clear()
        self.errors.append("Ingenting er importert: rett feilene over og last opp på nytt.")
        return self


class _ZipRefused(Exception):
    pass


def _zip_entries(data: bytes) -> int | None:
    """The number of entries the zip's end record announces, read before `ZipFile` builds an
    object for every one of them (a small zip can announce millions)."""
    try:
        end = zipfile._EndRecData(io.BytesIO(data))  # type: ignore[attr-defined]  # stable since 2.x
    except Exception:  # noqa: BLE001 - unreadable: ZipFile reports it below
        return None
    return None if not end else int(end[zipfile._ECD_ENTRIES_TOTAL])  # type: ignore[attr-defined]


def _unzip(name: str, data: bytes, limits: Limits) -> list[tuple[str, bytes]]:
    """A zip's files, with member count, file size and unpacked total checked while reading."""
    announced = _zip_entries(data)
    if announced is not None and announced > limits.zip_members:
        raise _ZipRefused(f"{name}: zip-filen har {announced} filer; høyst {limits.zip_members} er tillatt.")
    out: list[tuple[str, bytes]] = []
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        if len(infos) > limits.zip_members:
            raise _ZipRefused(f"{name}: zip-filen har {len(infos)} filer; høyst {limits.zip_members} er tillatt.")
        for info in infos:
            if info.is_dir():
                continue
            buf = bytearray()
            with zf.open(info) as fh:  # the header's sizes may lie: count what comes out
                while chunk := fh.read(64 * 1024):
                    buf += chunk
                    total += len(chunk)
                    if total > limits.zip_bytes:
                        raise _ZipRefused(f"{name}: zip-filen pakker ut til mer enn {_mb(limits.zip_bytes)}; "
                                          f"høyst {_mb(limits.zip_bytes)} er tillatt.")
                    if len(buf) > limits.file_bytes:
                        raise _ZipRefused(f"{name}: {PurePosixPath(info.filename).name} er større enn "
                                          f"{_mb(limits.file_bytes)}; høyst {_mb(limits.file_bytes)} per fil.")
            out.append((info.filename, bytes(buf)))
    return out


def _mb(n: int) -> str:
    return f"{n / MiB:g} MB"


def expand(files: list[tuple[str, bytes]], report: ImportReport, limits: Limits) -> list[tuple[str, bytes]]:
    """Zip files opened into their members (one level); other files as they are."""
    out = []
    for name, data in files:
        short = PurePosixPath(name).name
        if len(data) > limits.file_bytes:
            report.errors.append(f"{short}: er større enn {_mb(limits.file_bytes)}; høyst {_mb(limits.file_bytes)} per fil.")
        elif name.lower().endswith(".zip"):
            try:
                out.extend(_unzip(short, data, limits))
            except _ZipRefused as exc:
                report.errors.append(str(exc))
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, RuntimeError,
                    NotImplementedError) as exc:  # damaged, encrypted or an unknown compression
                report.errors.append(f"{short}: er ikke en gyldig zip-fil ({type(exc).__name__}).")
        elif data or name:
            out.append((name, data))
    return out


def _too_deep(value: object, limit: int) -> bool:
    """Whether `value` nests lists/tables deeper than `limit` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[object]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children)
    return False


def parse_document(short: str, data: bytes, limits: Limits, *, toml: bool) -> tuple[object, str | None]:
    """(document, None) or (None, a Norwegian message naming the file): never an exception for
    bad bytes, bad syntax, deep nesting or numbers too long to convert."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, f"{short}: er ikke UTF-8-tekst (feil byte ved posisjon {exc.start})."
    # the command line's reader (planner.io.household): the same rules for duplicate keys, numbers
    # written with an exponent (kept as written, so `1e5` kroner is refused), depth and digits
    from ..io.household import ParseError, load_json, load_toml

    try:
        raw = load_toml(text) if toml else load_json(text)
    except ParseError as exc:
        where = f", linje {exc.line}" if exc.line else ""
        if exc.key is not None:
            return None, f"{short}: nøkkelen «{exc.key}» står to ganger i samme objekt; skriv hver nøkkel én gang."
        if "nested" in str(exc):
            return None, f"{short}: er nøstet for dypt (høyst {limits.depth} nivåer med tabeller og lister)."
        if "digits" in str(exc):
            return None, f"{short}: har et tall med for mange sifre (høyst 4300)."
        return None, f"{short}{where}: kan ikke leses ({str(exc)[:200]})."
    if _too_deep(raw, limits.depth):
        return None, f"{short}: er nøstet for dypt (høyst {limits.depth} nivåer med tabeller og lister)."
    return raw, None
