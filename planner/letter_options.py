"""The letter options of the commands that write letters (`planner plan --letters`, `planner
letter`): who a letter may be for, its formats, the sender and date options they share, and the
writing of a plan's letters with the warning when a letter is dated after the plan's first change."""

from __future__ import annotations

from pathlib import Path

import click

from planner.formatting import nb_date
from planner.io.dateparam import DATE
from planner.options import fail_input

LETTER_TO = ("tenant", "landlord", "nav", "husbanken", "sosialtjenesten")
LETTER_FORMATS = ("md", "html", "pdf", "docx")


#: `--on-time` for the commands that plan (plan, letter)
on_time_option = click.option(
    "--on-time", is_flag=True,
    help="Plan for payouts on their days only (default: the plan holds when each payout comes up to its "
         "late_days bank days late).")


def letter_options(f):
    """The options every letter command shares: language, sender, date and reference."""
    opts = [
        click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True, help="Letter language."),
        click.option("--config", type=click.Path(dir_okay=False), default=None,
                     help="Letters config (TOML): [sender] office and caseworker, [recipients.X] addresses."),
        click.option("--kommune", default=None, help="Municipality on the letterhead (overrides the config)."),
        click.option("--office", default=None, help="Office or unit on the letterhead (overrides the config)."),
        click.option("--caseworker", default=None, help="Caseworker who signs (overrides the config)."),
        click.option("--title", "cw_title", default=None, help="Caseworker's title under the signature."),
        click.option("--phone", default=None, help="Caseworker's phone."),
        click.option("--email", default=None, help="Caseworker's email."),
        click.option("--date", "letter_date", type=DATE, default=None,
                     help="Letter date, DD.MM.YYYY or YYYY-MM-DD (default today)."),
        click.option("--reply-by", type=DATE, default=None,
                     help="Answer-by date, DD.MM.YYYY or YYYY-MM-DD (default: letter date + reply_days, 14)."),
        click.option("--reference", default=None, help="Case reference (saksnummer); default the household id."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def letter_sender(o: dict):
    """The letter's sender from the options and config; a bad config or answer-by date exits 2."""
    from planner import asof
    from planner.letters import LetterConfigError, sender_from_options

    letter_date = o["letter_date"] if o["letter_date"] else asof.today()
    if o["reply_by"] is not None and o["reply_by"] < letter_date:
        fail_input([f"--reply-by {o['reply_by'].isoformat()} is before the letter date "
                     f"{letter_date.isoformat()}: the answer-by date must be on or after it"])
    try:
        return sender_from_options(o["config"], kommune=o["kommune"], office=o["office"], caseworker=o["caseworker"],
                                   title=o["cw_title"], phone=o["phone"], email=o["email"])
    except LetterConfigError as exc:
        fail_input([str(exc)])


def letter_kw(o: dict) -> dict:
    """The keyword arguments every letter writer takes, from the options."""
    return {"sender": letter_sender(o), "letter_date": o["letter_date"] if o["letter_date"] else None,
            "reference": o["reference"], "reply_by": o["reply_by"] if o["reply_by"] else None}


def warn_late_letter(h, p, o: dict) -> None:
    """A warning (not an error) when the letter is dated after the plan's first change."""
    from planner import asof
    from planner.letters import first_change

    letter_date = o["letter_date"] if o["letter_date"] else (p.as_of or asof.today())
    first = first_change(h, p)
    if first is not None and letter_date > first:
        click.echo(f"advarsel: {h.id}: brevet er datert etter at første endring skulle tre i kraft "
                   f"({nb_date(first)})", err=True)


def write_plan_letters(h, p, directory: str, fmt: str, o: dict) -> list[Path]:
    """The plan's letters in `directory`; a letter that cannot be written exits 2."""
    from planner.letters import LetterError, write_letters

    kw = letter_kw(o)
    try:
        paths = write_letters(h, p, directory, o["lang"], fmt, **kw)
    except LetterError as exc:
        fail_input([f"{h.id}: {exc}"])
    except OSError as exc:
        fail_input([f"--letters {directory}: cannot write the letters ({exc.strerror or exc})"])
    if paths:
        warn_late_letter(h, p, o)
    return paths
