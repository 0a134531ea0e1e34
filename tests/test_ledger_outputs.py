"""The ledger's outputs: the same bytes as before the speed work (a recorded digest of every
file for the bundled ledger and a generated one), and a full disk under `--out` ends in one line
(no traceback), on the command line and in the web page."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from click.testing import CliRunner

from planner.cli import main

ROOT = Path(__file__).resolve().parent.parent
LEDGER = "tenancy,date,kind,amount\nA1,2026-01-01,charge,9500\nA1,2026-01-02,payment,9500\n"


def cli(*args: str):
    res = CliRunner().invoke(main, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    return res


def _full_disk(monkeypatch) -> None:
    """Every private file the run writes goes to /dev/full: writing it fails with ENOSPC."""
    import planner.io.files as files

    monkeypatch.setattr(files, "private_opener", lambda path, flags: os.open("/dev/full", os.O_WRONLY))


def test_full_disk_under_out_is_one_line(tmp_path: Path, monkeypatch):
    path = tmp_path / "l.csv"
    path.write_text(LEDGER, encoding="utf-8")
    _full_disk(monkeypatch)
    out = tmp_path / "o"
    res = cli("ledger", str(path), "--out", str(out), "--as-of", "2026-03-01")
    assert res.exit_code == 1, res.output
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error")]
    assert len(errors) == 1, res.output
    assert os.strerror(errno.ENOSPC) in errors[0] and str(out) in errors[0], errors
    assert not out.exists()  # what the run made is removed


def test_full_disk_in_the_web_page_is_a_page(tmp_path: Path, monkeypatch):
    from fastapi.testclient import TestClient

    from planner.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret")
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        token = c.get("/reskontro").text.split('name="csrf_token" value="')[1].split('"')[0]
        _full_disk(monkeypatch)
        res = c.post("/reskontro", data={"csrf_token": token, "as_of": "2026-03-01"},
                     files={"ledger": ("r.csv", LEDGER.encode(), "text/csv")})
    assert res.status_code == 507, res.status_code
    assert "r.csv" in res.text and "skrive" in res.text


# --------------------------------------------------------------------------- the same bytes

def outputs_digest(ledger: Path, out: Path, as_of: str, bucket_rows: int | None = None,
                   part_rows: int | None = None) -> dict[str, str]:
    """sha256 of every file a run writes (drafts.zip's members too), by relative name."""
    import hashlib
    import zipfile
    from datetime import date

    from planner.ledger.run import LedgerOptions, run_ledger

    opts = LedgerOptions(out=out, as_of=date.fromisoformat(as_of))
    if bucket_rows:
        opts.bucket_rows = bucket_rows  # several buckets: the spool's path as a large ledger takes it
    if part_rows:
        opts.part_rows = part_rows  # buckets analysed in parts
    run_ledger(ledger, opts)
    digests = {}
    for f in sorted(out.rglob("*")):
        if f.is_file():
            digests[str(f.relative_to(out))] = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
            if f.suffix == ".zip":
                with zipfile.ZipFile(f) as z:
                    for n in sorted(z.namelist()):
                        digests[f"{f.name}:{n}"] = hashlib.sha256(z.read(n)).hexdigest()[:16]
    return digests


def generated(folder: Path) -> Path:
    from datetime import date

    from planner.ledger.synth import generate, to_csv

    path = folder / "generated.csv"
    to_csv(generate(400, months=24, seed=27), path, as_of=date(2026, 12, 20))
    return path


#: The digests of main before the speed work (recorded with `outputs_digest` on that code): a
#: faster writer must give these bytes. A change of an output on purpose records new ones.
BEFORE = {
    "bundled": {
        "contact-excel.csv": "f6ff1d25a8e9360f",
        "contact.csv": "a6fbcd8bbd8b59d7",
        "contact.txt": "1030ead72120362f",
        "contact.xlsx": "a901969ce8b805a8",
        "drafts/L000001.toml": "0003c7b82c18981c",
        "drafts.zip": "ec889dc3f285fd41",
        "drafts.zip:L000001.toml": "0003c7b82c18981c",
        "errors-excel.csv": "7c92a51737984dc8",
        "errors.csv": "733a5ecec777c1a6",
        "months.csv": "3fa56b6cefb15134",
        "patterns.jsonl": "a5a87df52c309cf7",
        "patterns.txt": "4bf8145e6d982d5a",
        "summary.json": "bdf87284c2e4d5fd",
        "summary.txt": "c6b91c531f31a0ec",
        "tenancies-excel.csv": "fd393c51e0ab2d51",
        "tenancies.csv": "828d4456ee4a76e4",
    },
    "generated": {
        "contact-excel.csv": "9356ffd8723d637f",
        "contact.csv": "cfc691107f1b2daa",
        "contact.txt": "5a9584ff3434bf65",
        "contact.xlsx": "a4511f54142e1b05",
        "drafts.zip": "3bf67ac94e562d6b",
        "drafts.zip:L000001.toml": "71d68004be228d73",
        "drafts.zip:L000003.toml": "1dda09d860ba56a4",
        "drafts.zip:L000008.toml": "91a3585bc506ecb5",
        "drafts.zip:L000011.toml": "8ecc4e2a2a321211",
        "drafts.zip:L000021.toml": "c0922fd4e5dc719d",
        "drafts.zip:L000022.toml": "5bf8614d43fe73d8",
        "drafts.zip:L000027.toml": "613ae64496042174",
        "drafts.zip:L000028.toml": "ffd0e4974f199911",
        "drafts.zip:L000033.toml": "75e014e53d028d05",
        "drafts.zip:L000037.toml": "29fe76e41daf37bf",
        "drafts.zip:L000047.toml": "578e7bd96e8ba27f",
        "drafts.zip:L000054.toml": "45f1b6a7ca483869",
        "drafts.zip:L000057.toml": "3045bf8d5ebcc2cd",
        "drafts.zip:L000063.toml": "3965ae1546fe6b83",
        "drafts.zip:L000073.toml": "841226a36ea620a5",
        "drafts.zip:L000075.toml": "b576dc23701c0523",
        "drafts.zip:L000077.toml": "ef0d8538a0f97bf2",
        "drafts.zip:L000080.toml": "54bce986647727f1",
        "drafts.zip:L000082.toml": "d702d45226a9d533",
        "drafts.zip:L000086.toml": "dc6ccb7d5fdbd40b",
        "drafts.zip:L000087.toml": "3f6619eeb71ef816",
        "drafts.zip:L000092.toml": "4f2cb098fb03001c",
        "drafts.zip:L000095.toml": "397e78448ec4fb59",
        "drafts.zip:L000096.toml": "a533a64372756bc8",
        "drafts.zip:L000111.toml": "3850a1dbec4a1fa4",
        "drafts.zip:L000113.toml": "de5c129338cd6cb0",
        "drafts.zip:L000114.toml": "766c2dfdf80bc43e",
        "drafts.zip:L000115.toml": "1d34bd8e6afa8d2d",
        "drafts.zip:L000116.toml": "b267623349467a3d",
        "drafts.zip:L000127.toml": "44a51528e0391d3c",
        "drafts.zip:L000135.toml": "62a14821a5ac4f80",
        "drafts.zip:L000136.toml": "1f31dbb6063dd2a1",
        "drafts.zip:L000142.toml": "1232912b48ef29d2",
        "drafts.zip:L000145.toml": "38b1e584e05ba768",
        "drafts.zip:L000146.toml": "e1aeaaac62c84ec3",
        "drafts.zip:L000155.toml": "081c41c32585a788",
        "drafts.zip:L000156.toml": "40976495e897d133",
        "drafts.zip:L000163.toml": "52224d5975718776",
        "drafts.zip:L000164.toml": "a3da056492570344",
        "drafts.zip:L000166.toml": "cde33b723a78dd3b",
        "drafts.zip:L000172.toml": "1c0fafad04184ab7",
        "drafts.zip:L000175.toml": "ccaa3102f9fe91b8",
        "drafts.zip:L000176.toml": "d922d8b8adc08788",
        "drafts.zip:L000181.toml": "716d5ee832777f0b",
        "drafts.zip:L000189.toml": "ee66a090791cf19e",
        "drafts.zip:L000196.toml": "d9920843996d5ea3",
        "drafts.zip:L000197.toml": "f037d699558b6b17",
        "drafts.zip:L000200.toml": "a5a5fa8c5132fec5",
        "drafts.zip:L000202.toml": "de9245c31b5466b3",
        "drafts.zip:L000203.toml": "93ffd075d27419d6",
        "drafts.zip:L000204.toml": "7a8f4ca5814b4fc2",
        "drafts.zip:L000205.toml": "d94402a5733fda58",
        "drafts.zip:L000207.toml": "f64b8b7614c6915b",
        "drafts.zip:L000216.toml": "2018daa77599dd04",
        "drafts.zip:L000222.toml": "216dbab2aaed0026",
        "drafts.zip:L000223.toml": "8639aff6b498db42",
        "drafts.zip:L000225.toml": "63d901ee545f1f9d",
        "drafts.zip:L000226.toml": "4b48d32edfcf35b6",
        "drafts.zip:L000227.toml": "9fe34dda298a7b08",
        "drafts.zip:L000232.toml": "9b88a68a7f5e6716",
        "drafts.zip:L000234.toml": "e29d24e1d9005908",
        "drafts.zip:L000235.toml": "3e624c949ae06349",
        "drafts.zip:L000236.toml": "510bf2eaf577c8dc",
        "drafts.zip:L000239.toml": "268fba2946a17c18",
        "drafts.zip:L000242.toml": "9a452f83e6284863",
        "drafts.zip:L000244.toml": "6420d4dbfad56b24",
        "drafts.zip:L000245.toml": "8b42f92f17e05d1d",
        "drafts.zip:L000247.toml": "83e3707b10f23dba",
        "drafts.zip:L000249.toml": "36bacb63f9510a09",
        "drafts.zip:L000250.toml": "16c3c6593e27acb7",
        "drafts.zip:L000253.toml": "cdc917101e438672",
        "drafts.zip:L000254.toml": "0957b5b744478e5d",
        "drafts.zip:L000257.toml": "14070bbf45bae57a",
        "drafts.zip:L000258.toml": "37ccfec5a377ecc0",
        "drafts.zip:L000265.toml": "21ba9ed1998c3f2e",
        "drafts.zip:L000268.toml": "217f4be2d2e12fcf",
        "drafts.zip:L000270.toml": "98419b2efda21274",
        "drafts.zip:L000276.toml": "f3d19d529a278906",
        "drafts.zip:L000281.toml": "a9adc90e2cdb08dc",
        "drafts.zip:L000286.toml": "80ebb6b6b375e020",
        "drafts.zip:L000287.toml": "24cf36b58350458a",
        "drafts.zip:L000290.toml": "a4ff080e68096b7b",
        "drafts.zip:L000293.toml": "708cee5e9aaef663",
        "drafts.zip:L000296.toml": "872216c60b266614",
        "drafts.zip:L000298.toml": "250d0dc8f1671bfb",
        "drafts.zip:L000306.toml": "6ccc64480aca3f8f",
        "drafts.zip:L000307.toml": "8c03b0c6498af2ce",
        "drafts.zip:L000316.toml": "899160a09c045937",
        "drafts.zip:L000319.toml": "271fa37cae7cb791",
        "drafts.zip:L000325.toml": "297ec03d7fad34fb",
        "drafts.zip:L000333.toml": "93fb916e5214ec40",
        "drafts.zip:L000340.toml": "3ccc221bcd96fffd",
        "drafts.zip:L000342.toml": "6a2d05ea11591c48",
        "drafts.zip:L000344.toml": "7d264048ce1d3353",
        "drafts.zip:L000358.toml": "0e7d1dade0b93b7b",
        "drafts.zip:L000361.toml": "3ad2b22fe70f659c",
        "drafts.zip:L000364.toml": "e0a31ea902908046",
        "drafts.zip:L000369.toml": "7fd52f29e3f48266",
        "drafts.zip:L000371.toml": "bacc2e5a87bf8b51",
        "drafts.zip:L000377.toml": "d81394668f882cd7",
        "drafts.zip:L000378.toml": "29a957f82c1de2f6",
        "drafts.zip:L000379.toml": "724d522e5b1f878d",
        "drafts.zip:L000384.toml": "689ececce577448c",
        "drafts.zip:L000393.toml": "065bedc54ef06599",
        "drafts.zip:L000398.toml": "7af20048c023e2dd",
        "drafts.zip:L000400.toml": "b58ca73ca5856c38",
        "errors-excel.csv": "7c92a51737984dc8",
        "errors.csv": "733a5ecec777c1a6",
        "months.csv": "b0f7e1a1ddc822d6",
        "patterns.jsonl": "1bc850c16fb5f833",
        "patterns.txt": "7a4608381d966fc5",
        "summary.json": "071ee013b95799b2",
        "summary.txt": "38c54c0a0f0681a9",
        "tenancies-excel.csv": "947a94823294cc19",
        "tenancies.csv": "5b0ac64ae645c89d",
    },
}


def test_bundled_ledger_outputs_are_the_same_bytes(tmp_path: Path):
    assert outputs_digest(ROOT / "scenarios" / "reskontro.csv", tmp_path / "o", "2026-12-20") == BEFORE["bundled"]


def test_generated_ledger_outputs_are_the_same_bytes(tmp_path: Path):
    digests = outputs_digest(generated(tmp_path), tmp_path / "o", "2026-12-20", bucket_rows=3000)
    assert digests == BEFORE["generated"]


def test_buckets_analysed_in_parts_give_the_same_bytes(tmp_path: Path):
    digests = outputs_digest(generated(tmp_path), tmp_path / "o", "2026-12-20", bucket_rows=3000, part_rows=500)
    assert digests == BEFORE["generated"]
    path = tmp_path / "dup.csv"  # duplicated rows and rows after the as-of date, across parts
    text = generated(tmp_path).read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*text, *text[1:400:7], "L000003,2027-01-05,charge,100.00,x"]) + "\n", encoding="utf-8")
    whole = outputs_digest(path, tmp_path / "w", "2026-12-20", bucket_rows=3000)
    assert outputs_digest(path, tmp_path / "p", "2026-12-20", bucket_rows=3000, part_rows=300) == whole


def test_contact_sheet_written_aside_gives_the_same_bytes(tmp_path: Path, monkeypatch):
    import planner.ledger.contact as contact
    import planner.ledger.output as output

    started = []
    real = output.SheetAside

    class Spy(real):  # type: ignore[misc,valid-type]
        def __init__(self, *args, **kw):
            started.append(args[0])
            super().__init__(*args, **kw)

    monkeypatch.setattr(contact, "ASIDE_ROWS", 0)  # every contact list written by a child process
    monkeypatch.setattr(output, "SheetAside", Spy)
    digests = outputs_digest(generated(tmp_path), tmp_path / "o", "2026-12-20", bucket_rows=3000)
    assert [p.name for p in started] == ["contact.xlsx"]
    assert digests == BEFORE["generated"]
