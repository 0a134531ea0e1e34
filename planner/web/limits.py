"""What one request to the web page may send (README, "Safety and limits"): shared by the
app's settings (`core.Web.limits`) and the uploads' readers (`imports`)."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one request may send (see README, "Safety and limits")."""

    #: bytes in one request body (all files of an upload together), counted while reading
    request_bytes: int = 32 * MiB
    #: entries in one zip
    zip_members: int = 2000
    #: bytes unpacked from one zip, counted while unpacking
    zip_bytes: int = 64 * MiB
    #: bytes of one file (uploaded or unpacked)
    file_bytes: int = 20 * MiB
    #: nesting of tables/lists in one household or plan document (a household needs 4, a plan 5)
    depth: int = 32
