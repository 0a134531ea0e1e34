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
        "contact-excel.csv": "6d81cb9b78753ae2",
        "contact.csv": "3eb1b0d3f475f4da",
        "contact.txt": "1aa5d0107b41bda9",
        "contact.xlsx": "921e14235811a392",
        "drafts/L000001.toml": "5a87a492072e4e7e",
        "drafts.zip": "35d4115388bc2a0a",
        "drafts.zip:L000001.toml": "5a87a492072e4e7e",
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
        "contact-excel.csv": "dfeb1f8e6ccee819",
        "contact.csv": "c1f9d42e7c9a2466",
        "contact.txt": "5a9584ff3434bf65",
        "contact.xlsx": "20fdeadcf3d0d672",
        "drafts.zip": "ffc598161634b62a",
        "drafts.zip:L000001.toml": "e1b3e6fbdbc8e84d",
        "drafts.zip:L000003.toml": "f15bcaafbfe40f77",
        "drafts.zip:L000008.toml": "bcb6acfbbfa383dc",
        "drafts.zip:L000011.toml": "9ed15edd4d77f8d0",
        "drafts.zip:L000021.toml": "06b27dc71c7232dd",
        "drafts.zip:L000022.toml": "23854e696d469be1",
        "drafts.zip:L000027.toml": "a74436d67ee8baeb",
        "drafts.zip:L000028.toml": "0b755a95fb1ee6f7",
        "drafts.zip:L000033.toml": "01e6b2c7d02ac307",
        "drafts.zip:L000037.toml": "314b67c21876ece5",
        "drafts.zip:L000047.toml": "87784018fb4642dd",
        "drafts.zip:L000054.toml": "cb364e7af44a45e8",
        "drafts.zip:L000057.toml": "aff618ae44df97e9",
        "drafts.zip:L000063.toml": "672aea1fb0acba04",
        "drafts.zip:L000073.toml": "fb5cf002058e7211",
        "drafts.zip:L000075.toml": "3b454e2b1efde927",
        "drafts.zip:L000077.toml": "2620f441f6692a39",
        "drafts.zip:L000080.toml": "f53116b31caf2172",
        "drafts.zip:L000082.toml": "0c98e5155e04dbe9",
        "drafts.zip:L000086.toml": "38c645b0410eccb5",
        "drafts.zip:L000087.toml": "fc031e318abb3b06",
        "drafts.zip:L000092.toml": "cef9c856bcb5ef6c",
        "drafts.zip:L000095.toml": "7948e889ad47060b",
        "drafts.zip:L000096.toml": "24dd6425115b55e5",
        "drafts.zip:L000111.toml": "ef88f09794317ae4",
        "drafts.zip:L000113.toml": "6741ff4bff1f8d78",
        "drafts.zip:L000114.toml": "9bb2e16c56ffdd99",
        "drafts.zip:L000115.toml": "90f21df0279c6c75",
        "drafts.zip:L000116.toml": "5e43d94c59615006",
        "drafts.zip:L000127.toml": "03f1499747cfd4bd",
        "drafts.zip:L000135.toml": "ba1422e22e154ac7",
        "drafts.zip:L000136.toml": "4b7306db66f111cd",
        "drafts.zip:L000142.toml": "247d47006dacbac6",
        "drafts.zip:L000145.toml": "71a2be8bbbe3795a",
        "drafts.zip:L000146.toml": "db0331e6433b8441",
        "drafts.zip:L000155.toml": "3c020f9bad906954",
        "drafts.zip:L000156.toml": "14c289969b5b0832",
        "drafts.zip:L000163.toml": "bf79642bb68ee116",
        "drafts.zip:L000164.toml": "aefc04d83cbd50f9",
        "drafts.zip:L000166.toml": "a9014be9c63683cf",
        "drafts.zip:L000172.toml": "4f6c17b63bdba6ec",
        "drafts.zip:L000175.toml": "3d2a142ea98fc0f6",
        "drafts.zip:L000176.toml": "d5416d29482328d7",
        "drafts.zip:L000181.toml": "1511a800e0598d37",
        "drafts.zip:L000189.toml": "b3faf5724cc4d036",
        "drafts.zip:L000196.toml": "31c37b3c05227151",
        "drafts.zip:L000197.toml": "240c329b7f30372e",
        "drafts.zip:L000200.toml": "2989538b76d0e7ef",
        "drafts.zip:L000202.toml": "4b086ceac94c1cc2",
        "drafts.zip:L000203.toml": "dd61e917029f1d5a",
        "drafts.zip:L000204.toml": "a71fdfb175a25be6",
        "drafts.zip:L000205.toml": "5b75f1615d8325ef",
        "drafts.zip:L000207.toml": "ae747d100fe1099b",
        "drafts.zip:L000216.toml": "6bcb8d9c4d55db02",
        "drafts.zip:L000222.toml": "eb68198568db20b4",
        "drafts.zip:L000223.toml": "1214b1a27c8ed87e",
        "drafts.zip:L000225.toml": "bbaa75c55f60973e",
        "drafts.zip:L000226.toml": "12ce4f09a6c2b183",
        "drafts.zip:L000227.toml": "8ec97fb696b497f6",
        "drafts.zip:L000232.toml": "421af2d9f0a6442a",
        "drafts.zip:L000234.toml": "5a67c1f90b240b72",
        "drafts.zip:L000235.toml": "ac5085d41a9c1d27",
        "drafts.zip:L000236.toml": "93f69ae55d5fb499",
        "drafts.zip:L000239.toml": "dd626fa8c3c6bb9b",
        "drafts.zip:L000242.toml": "eeaef066f9211ca6",
        "drafts.zip:L000244.toml": "c6aae79c839f3f3f",
        "drafts.zip:L000245.toml": "875612fa0b3f62db",
        "drafts.zip:L000247.toml": "884a1c5ed7336cca",
        "drafts.zip:L000249.toml": "ca87d8025e90af9b",
        "drafts.zip:L000250.toml": "a79fc6ce3e4f11d4",
        "drafts.zip:L000253.toml": "323ab8b99016787d",
        "drafts.zip:L000254.toml": "1c495b01773ff1e7",
        "drafts.zip:L000257.toml": "f8f08ef6ab0e59e5",
        "drafts.zip:L000258.toml": "f94cbc6fb0dbcc53",
        "drafts.zip:L000265.toml": "e2c7ac6cd0aec22d",
        "drafts.zip:L000268.toml": "7dcf1b5bcff86faa",
        "drafts.zip:L000270.toml": "16c5d558d005aeed",
        "drafts.zip:L000276.toml": "0b3d7b437d04e213",
        "drafts.zip:L000281.toml": "b4346d5dd1850bb4",
        "drafts.zip:L000286.toml": "521b6165dcfef6dc",
        "drafts.zip:L000287.toml": "86107eabfca18467",
        "drafts.zip:L000290.toml": "3ea9f491db0fbbe1",
        "drafts.zip:L000293.toml": "db48a3eb13fc1c18",
        "drafts.zip:L000296.toml": "352d4b39241de9da",
        "drafts.zip:L000298.toml": "5b8fa687a62da284",
        "drafts.zip:L000306.toml": "185d1ed4658c3f3b",
        "drafts.zip:L000307.toml": "4e71b32f545fc849",
        "drafts.zip:L000316.toml": "2eba085d9f502064",
        "drafts.zip:L000319.toml": "afda147df428c82e",
        "drafts.zip:L000325.toml": "2573c6e12207da33",
        "drafts.zip:L000333.toml": "87c88f7b31023d46",
        "drafts.zip:L000340.toml": "ca10d1ba7ef13e84",
        "drafts.zip:L000342.toml": "9c9a9022028c47c5",
        "drafts.zip:L000344.toml": "e3abdae3d2e48a14",
        "drafts.zip:L000358.toml": "58177fb7d472ac3e",
        "drafts.zip:L000361.toml": "683887d133c12983",
        "drafts.zip:L000364.toml": "905f1640cc98ae8a",
        "drafts.zip:L000369.toml": "f557eb8c637796f4",
        "drafts.zip:L000371.toml": "7b03e227240368ec",
        "drafts.zip:L000377.toml": "e3ffd7a2c7510db0",
        "drafts.zip:L000378.toml": "987a421dc81201c0",
        "drafts.zip:L000379.toml": "46ad95571478c079",
        "drafts.zip:L000384.toml": "fdeb11d586a1e5d8",
        "drafts.zip:L000393.toml": "f475b85d559533ae",
        "drafts.zip:L000398.toml": "daebfb4bbc810c8d",
        "drafts.zip:L000400.toml": "abca388cb7ea6980",
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
