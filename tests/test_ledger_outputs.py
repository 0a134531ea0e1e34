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
        "contact-excel.csv": "738a74dfdb4b002b",
        "contact.csv": "f35fb2efa9d77c45",
        "contact.txt": "6a200396c6e29570",
        "contact.xlsx": "0df06af84899a262",
        "drafts/L000001.toml": "35e62dec0133a80c",
        "drafts.zip": "2acf40e5dd760af4",
        "drafts.zip:L000001.toml": "35e62dec0133a80c",
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
        "contact-excel.csv": "cba98a83c8106a45",
        "contact.csv": "bf12043a7dfdcbaa",
        "contact.txt": "5a9584ff3434bf65",
        "contact.xlsx": "be5af9586a1f80b6",
        "drafts.zip": "058c55885e0461cf",
        "drafts.zip:L000001.toml": "d1f258478aed5c8c",
        "drafts.zip:L000003.toml": "bc3e45c0fe274887",
        "drafts.zip:L000008.toml": "65ffad71df2e1610",
        "drafts.zip:L000011.toml": "9ad5f08075dd62e1",
        "drafts.zip:L000021.toml": "1c319c68fbff0f91",
        "drafts.zip:L000022.toml": "22f08bdf9c578a5d",
        "drafts.zip:L000027.toml": "b2b1009475c80ba0",
        "drafts.zip:L000028.toml": "460dd9efb9a64d96",
        "drafts.zip:L000033.toml": "2030066e775e841c",
        "drafts.zip:L000037.toml": "e64853ea95696ae3",
        "drafts.zip:L000047.toml": "ec7ed209d8d837ee",
        "drafts.zip:L000054.toml": "105810206e7871ee",
        "drafts.zip:L000057.toml": "ffa572cf783b0368",
        "drafts.zip:L000063.toml": "6e761208430339fe",
        "drafts.zip:L000073.toml": "9e8e887a079ab2a6",
        "drafts.zip:L000075.toml": "8652a24d93421187",
        "drafts.zip:L000077.toml": "777c13ab3a79b427",
        "drafts.zip:L000080.toml": "139ca7a1cc5582eb",
        "drafts.zip:L000082.toml": "3a119400701a048e",
        "drafts.zip:L000086.toml": "e37cd9fbec281d55",
        "drafts.zip:L000087.toml": "4e6bb1dfcecd0f1a",
        "drafts.zip:L000092.toml": "f1850eb10b6190c7",
        "drafts.zip:L000095.toml": "3a93cc39d406118a",
        "drafts.zip:L000096.toml": "830a88558e7c920e",
        "drafts.zip:L000111.toml": "328311de3446d970",
        "drafts.zip:L000113.toml": "c22da19f20b847e4",
        "drafts.zip:L000114.toml": "ee3dd55d64c96422",
        "drafts.zip:L000115.toml": "52ea8e44a2feecb8",
        "drafts.zip:L000116.toml": "bcfe78906b622167",
        "drafts.zip:L000127.toml": "163cabe06dc0bfe7",
        "drafts.zip:L000135.toml": "5188d09480c2fdfd",
        "drafts.zip:L000136.toml": "8fe2cde3883bf99f",
        "drafts.zip:L000142.toml": "d74702d58e190696",
        "drafts.zip:L000145.toml": "6f948624b2ababe9",
        "drafts.zip:L000146.toml": "883ac7d6988053e6",
        "drafts.zip:L000155.toml": "a38ca22b324745c0",
        "drafts.zip:L000156.toml": "46c3a9cd0b00c38c",
        "drafts.zip:L000163.toml": "6295bed7153bf144",
        "drafts.zip:L000164.toml": "163191d0fe0573db",
        "drafts.zip:L000166.toml": "c585c188ad9f821a",
        "drafts.zip:L000172.toml": "5f9b11ce14e0d5c1",
        "drafts.zip:L000175.toml": "955ea44aebf45cc1",
        "drafts.zip:L000176.toml": "68e8e42e5eaf2300",
        "drafts.zip:L000181.toml": "ba4661718a8d1c9d",
        "drafts.zip:L000189.toml": "cb2492276df714d6",
        "drafts.zip:L000196.toml": "332d4c9ddd4dce38",
        "drafts.zip:L000197.toml": "871b8efe9cf3f263",
        "drafts.zip:L000200.toml": "3ae28c52b34652ca",
        "drafts.zip:L000202.toml": "bfa6a61f707358f7",
        "drafts.zip:L000203.toml": "563a2a5b65f76e7f",
        "drafts.zip:L000204.toml": "e026251c9001bd25",
        "drafts.zip:L000205.toml": "e04bb0a16d726f24",
        "drafts.zip:L000207.toml": "30d19caeb6b6e6ab",
        "drafts.zip:L000216.toml": "6b049788da427260",
        "drafts.zip:L000222.toml": "a43327338bc1edaa",
        "drafts.zip:L000223.toml": "a451700f4fe1ac53",
        "drafts.zip:L000225.toml": "4e9c60efc6d497c7",
        "drafts.zip:L000226.toml": "7458c7dacab12ffd",
        "drafts.zip:L000227.toml": "c8a6ba86aa7e0ad0",
        "drafts.zip:L000232.toml": "27fc701d50a52507",
        "drafts.zip:L000234.toml": "3d05810aeefe55ee",
        "drafts.zip:L000235.toml": "286e1e7be249e0b7",
        "drafts.zip:L000236.toml": "0f22ccf3fe91f5f1",
        "drafts.zip:L000239.toml": "c9a1d1239c309138",
        "drafts.zip:L000242.toml": "2c9820918fe365de",
        "drafts.zip:L000244.toml": "6189a62da4af0333",
        "drafts.zip:L000245.toml": "e79213ef0a7bfe45",
        "drafts.zip:L000247.toml": "4d84d857c368488e",
        "drafts.zip:L000249.toml": "09e6dc2fb6bcee4d",
        "drafts.zip:L000250.toml": "2e7aedd21b9bcd06",
        "drafts.zip:L000253.toml": "e7f6dd8fa72f4353",
        "drafts.zip:L000254.toml": "22ac19b65c893e46",
        "drafts.zip:L000257.toml": "7cb34871142c8c68",
        "drafts.zip:L000258.toml": "717aa63a3fecb309",
        "drafts.zip:L000265.toml": "9eeb1b53d9e10a73",
        "drafts.zip:L000268.toml": "0247fec147045650",
        "drafts.zip:L000270.toml": "23eafd91852b252d",
        "drafts.zip:L000276.toml": "b923aa55a78b5ae4",
        "drafts.zip:L000281.toml": "17a4b93538b2bfc0",
        "drafts.zip:L000286.toml": "5ac9397c31445c8a",
        "drafts.zip:L000287.toml": "27ed9fbf046b3b3f",
        "drafts.zip:L000290.toml": "ef564f19175b381e",
        "drafts.zip:L000293.toml": "7f1f012d5cb12dc4",
        "drafts.zip:L000296.toml": "2e4d4612dd4b4abd",
        "drafts.zip:L000298.toml": "009343ff6b40ab64",
        "drafts.zip:L000306.toml": "82de352ea962e3c1",
        "drafts.zip:L000307.toml": "2b10b97c099fff45",
        "drafts.zip:L000316.toml": "90ea163e7e1e880e",
        "drafts.zip:L000319.toml": "22546c30334f2e62",
        "drafts.zip:L000325.toml": "3bdf282df37c9341",
        "drafts.zip:L000333.toml": "d52c902b27103582",
        "drafts.zip:L000340.toml": "ab83663a161beb35",
        "drafts.zip:L000342.toml": "97ec8c4b7f1abc97",
        "drafts.zip:L000344.toml": "336ac5959247bbd4",
        "drafts.zip:L000358.toml": "b69739293c902d61",
        "drafts.zip:L000361.toml": "6186002413c44dd5",
        "drafts.zip:L000364.toml": "e192ba0f45e76c0b",
        "drafts.zip:L000369.toml": "550f04dd9b4b9e88",
        "drafts.zip:L000371.toml": "243b86baaced595c",
        "drafts.zip:L000377.toml": "93bb0e9d6002e542",
        "drafts.zip:L000378.toml": "7d2365670d3e0cee",
        "drafts.zip:L000379.toml": "c5802da1e6c6c8d7",
        "drafts.zip:L000384.toml": "86c5636c61febf3e",
        "drafts.zip:L000393.toml": "2bae25ffc37dc2dc",
        "drafts.zip:L000398.toml": "2417e45182de9ce0",
        "drafts.zip:L000400.toml": "3a250bf0df213dc9",
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
