"""The projection as Norwegian text ("Hvis ingenting gjøres"""

from __future__ import annotations

from collections.abc import Sequence

from ..formatting import format_kr, nb_date
from .results import EvictionProjection

# --------------------------------------------------------------------------- text


def _settled_lines(p: EvictionProjection) -> list[str]:
    """The text of a projection whose every claim the account pays by a notice's deadline:
    what it costs, and that the process stops, instead of an eviction that will not come."""
    out: list[str] = []
    for x in p.settlements:
        out.append(
            f"Restanse fra {_d(x.first_due)} blir ikke betalt i tide, og {x.name_nb.lower()} kommer {_d(x.notice_date)}. "
            f"Kontoen kan betale kravet innen fristen {_d(x.deadline)} og likevel dekke månedens planlagte utgifter: "
            f"{format_kr(x.amount_ore)} betales {_d(x.paid_on)}, og saken stopper der."
        )
        parts = [
            ("restanse (husleie)", format_kr(x.principal_ore)),
            ("forsinkelsesrente", format_kr(x.interest_ore)),
            ("gebyrer", format_kr(x.costs_ore)),
        ]
        out += ["  " + line for line in _columns(("", ""), parts, (False, True))[1:]]
    out.append("")
    out.append(
        f"Å vente koster {format_kr(p.cost_of_waiting_ore)} i renter og gebyrer"
        + (f" ({len(p.settlements)} saker)" if len(p.settlements) > 1 else "")
        + ". Ingen sak om utkastelse trenger å starte."
    )
    out.append(
        "Forutsetning: kravet betales så snart kontoen har råd etter månedens planlagte utgifter, "
        "senest innen fristen i varselet."
    )
    return out


_d = nb_date  # the one Norwegian date format (planner.formatting)


def _columns(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: tuple[bool, ...]) -> list[str]:
    """Fixed-width columns; text columns left-aligned, amounts right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        cells = [c.rjust(w) if ra else c.ljust(w) for c, w, ra in zip(r, widths, right)]
        out.append("  ".join(cells).rstrip())
    return out


def projection_text(projection: EvictionProjection) -> str:
    """The projection in Norwegian plain text, for a caseworker or a letter: the steps with
    their dates and costs, the request and eviction dates, what stops it, and every assumption."""
    p = projection
    lines = ["Hvis ingenting gjøres:"]
    if p.status == "no arrears":
        lines.append(
            "Ingen restanse: husleien blir trukket i sin helhet hver måned i perioden, "
            "så ingen sak om utkastelse starter."
        )
        return "\n".join(lines) + "\n"
    if p.status == "settled":
        return "\n".join(lines + _settled_lines(p)) + "\n"
    first_rent = p.unpaid_rents[0] if p.unpaid_rents else None
    if p.household is not None and first_rent is not None and first_rent.due == p.first_due:
        lines.append(
            f"Husleien som forfaller {_d(first_rent.due)}, er ikke dekket på kontoen, så AvtaleGiro-trekket "
            f"går ikke gjennom: hele husleien, {format_kr(first_rent.unpaid_ore)}, blir restanse."
        )
    elif p.household is not None:
        lines.append(f"Restansen på {format_kr(p.existing_arrears_ore)} fra {_d(p.first_due)} er ikke betalt.")
    else:
        lines.append(f"Et krav på {format_kr(p.steps[0].principal_ore)} forfalt {_d(p.first_due)} og ble ikke betalt.")
    if p.settlements:
        lines.append(
            f"Tidligere restanse betales fra kontoen innen fristene ({len(p.settlements)} gang(er), "
            f"{format_kr(p.cost_of_waiting_ore)} i renter og gebyrer), men restansen fra {_d(p.first_due)} kan "
            "kontoen ikke betale innen noen frist."
        )
    lines.append("Da går saken trolig slik:")
    lines.append("")
    rows = [
        (_d(s.date), s.name_nb, "+" + format_kr(s.cost_ore) if s.cost_ore else "", format_kr(s.claim_ore))
        for s in p.steps
    ]
    lines += _columns(("Dato", "Hva skjer", "Kostnad", "Krav i alt"), rows, (False, False, True, True))
    lines.append("")
    lines.append(f"Begjæring om fravikelse kan komme: {_d(p.request_date)}")
    lines.append(f"Utkastelse (låsen skiftes): {_d(p.eviction_date)}")
    lines.append("")
    lines.append(
        f"Utkastelsen stoppes hvis hele kravet, {format_kr(p.cure_amount_ore)}, er betalt senest "
        f"{_d(p.cure_deadline)}, før låsen skiftes:"
    )
    parts = [
        ("restanse (husleie som ikke er betalt)", format_kr(p.cure_principal_ore)),
        ("forsinkelsesrente", format_kr(p.cure_interest_ore)),
        ("gebyrer og kostnader", format_kr(p.cure_costs_ore)),
    ]
    lines += ["  " + line for line in _columns(("", ""), parts, (False, True))[1:]]
    if p.household is not None:
        lines.append("")
        lines.append("Restanse (ubetalt husleie) ved utgangen av hver måned:")
        months = [(k, format_kr(v)) for k, v in p.arrears_by_month.items()]
        lines += _columns(("Måned", "Restanse"), months, (False, True))
        lines.append(
            "Restansen er regnet slik: et AvtaleGiro-trekk går gjennom helt eller ikke i det hele tatt; når "
            "saldoen ikke dekker hele husleien, blir hele husleien restanse. Restanse blir bare betalt når "
            "kontoen rekker til hele kravet innen fristen i et varsel (purring, § 4-18-varsel) etter månedens "
            "planlagte utgifter; her gjør den ikke det."
        )
    if p.notes:
        lines.append("")
        lines.append("Forutsetninger og usikkerhet:")
        lines.extend(f"- {n}" for n in p.notes)
    return "\n".join(lines) + "\n"
