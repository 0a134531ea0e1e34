"""The stale-data guard (issue 13): dated law and payout data, a warning past it, and a test that
fails when the bundled data falls more than a year behind."""

from __future__ import annotations

from datetime import date, timedelta

from click.testing import CliRunner
from conftest import SCENARIOS

from planner.cli import main
from planner.staleness import known_until, stale_warning

FINE = str(SCENARIOS / "alt-i-orden.toml")


def test_bundled_data_is_at_most_a_year_behind_today():
    # Tests may read the clock; the engine may not. When this fails, the law and payout data
    # need their yearly update (planner/data/*.toml, with sources) before users see stale law.
    today = date.today()
    for name, until in known_until().items():
        assert until >= today - timedelta(days=365), f"{name}: data known only until {until}"


def test_every_year_dependent_value_has_a_last_known_date():
    got = known_until()
    assert set(got) == {"rettsgebyr (R)", "forsinkelsesrente", "inkassosats", "utbetalingsdatoer (benefits.toml)"}
    assert got["rettsgebyr (R)"] == date(2026, 12, 31)
    assert got["utbetalingsdatoer (benefits.toml)"] == date(2027, 12, 31)


def test_warning_names_what_is_stale_and_only_then():
    assert stale_warning(date(2026, 12, 31)) is None
    w = stale_warning(date(2027, 1, 1))
    assert w is not None and "rettsgebyr (R) til 31.12.2026" in w and "01.01.2027" in w
    assert "utbetalingsdatoer" not in w  # payout data is known to 2027
    assert "utbetalingsdatoer (benefits.toml) til 31.12.2027" in stale_warning(date(2028, 1, 1))


def test_check_and_plan_warn_once_when_the_as_of_date_is_past_the_data():
    runner = CliRunner()
    for cmd in ("check", "plan"):
        res = runner.invoke(main, [cmd, FINE, FINE.replace("alt-i-orden", "lav-inntekt"), "--as-of", "2027-03-01"],
                            catch_exceptions=False)
        assert res.stderr.count("Advarsel: dataene er bare kjent") == 1, cmd
        quiet = runner.invoke(main, [cmd, FINE, "--as-of", "2026-11-15"], catch_exceptions=False)
        assert "Advarsel" not in quiet.stderr, cmd
