"""The support check (planner.entitlement): statlig bostøtte to the krone against Husbanken's
published rules, a generated caseload for the "bostøtte ikke søkt?" flag, kommunal bostøtte and
the sosialhjelp indication.

Sources of the figures (read December 2026 through the project's search of stored pages and
public repositories):
  [V13] husbanken.no/kommune/bostotte/veileder-i-regelverk-for-bostotte/saksbehandle-ny-soknad/beregning-og-utbetaling/
        forskrift om bostøtte § 1 (73,7 %), § 13 (minste utbetaling 56 kr)
  [V3]  .../saksbehandle-ny-soknad/opplysninger-om-boligen-og-boutgiftene/ovre-grense-for-boutgifter/  (§ 3)
  [V4]  .../2-kommunens-saksbehandling-av-en-ny-soknad/234-egenandel-av-boutgiftene/  (§ 4)
  [V7]  .../2-kommunens-saksbehandling-av-en-ny-soknad/241-inntekt-side-2/  (§ 7, with its example)
  [V26], [AR23]: see PUBLISHED_WEIGHTING below.
Husbanken publishes worked figures of the weighting step (§ 7), seven of which are checked
exactly; no published example of a whole monthly amount could be reproduced (the rules' kroner
figures behind them are not known: docs/methods/bostotte.md). The other cases are computed BY
HAND from the published formula, the arithmetic written beside each case (half-up rounding to the
øre, the month to the krone).
"""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples

from planner.entitlement import entitlement_rules, entitlements, estimate_bostotte, unused_bostotte
from planner.model import Household

RATES = entitlement_rules().statlig_at(date(2024, 6, 1))  # the 2024-04-01 set (the veileder's ordinary rates)


def _case(members: int, group: int, income_kr: int, housing_kr: int) -> dict[str, int]:
    steps, computed, paid = estimate_bostotte(members, group, income_kr * 100, housing_kr * 100, RATES)
    out = {s.key: s.value for s in steps}
    out["computed"], out["paid"] = computed, paid
    return out


# Published worked figures of § 7's weighting, each with its source. The weighted income is the
# step the examples state; the full monthly amount of a published example could not be reproduced
# (docs/methods/bostotte.md, "The figures the tests check", says why).
#   [V7]   Husbanken, "Veileder i regelverk for bostøtte", 2.4.1 "Inntekt - fortsetter" (2022 edition),
#          https://www.husbanken.no/kommune/bostotte/veileder-i-regelverk-for-bostotte/2-kommunens-saksbehandling-av-en-ny-soknad/241-inntekt-side-2/
#   [V26]  Husbanken, "Veileder i regelverk for bostøtte", 2.5.1 "Inntekt" (veileder sist oppdatert
#          29.06.2026), https://www.husbanken.no/kommune/bostotte/veileder-i-regelverk-for-bostotte/ ;
#          the page as saved on 4 August 2026 in github.com/Torcode/bostotte-oslo, data/raw/hb_inntekt.html
#   [AR23] Husbanken, "Årsrapport 2023", Vedlegg 1 "Analyse av bostøtte", tabell 5 "Grunnlagsinntekt for
#          beregning av egenandel. Med og uten endring. Eksempelhusstander. Kroner. Desember 2023"
#          (p. 138); text in github.com/Torcode/bostotte-oslo, data/raw/husbanken_arsrapport_2023.txt
PUBLISHED_WEIGHTING = [
    # (source, the rules' day, members, of them under 18, gross income per year, weighted income)
    ("[V7] tre personer, 300 000 : 1,26", date(2022, 11, 1), 3, 0, 300_000, 238_095),
    ("[V26] tre personer over 18 år, 300 000 : 1,26", date(2026, 7, 1), 3, 0, 300_000, 238_095),
    ("[V26] tre personer, to under 18 år, 300 000 : 1,30", date(2026, 7, 1), 3, 2, 300_000, 230_769),
    ("[AR23] enslig forsørger med ett barn, uten endring", date(2023, 1, 15), 2, 1, 300_000, 265_487),
    ("[AR23] enslig forsørger med ett barn, med endring", date(2023, 12, 1), 2, 1, 300_000, 260_870),
    ("[AR23] par med tre barn, uten endring", date(2023, 1, 15), 5, 3, 500_000, 328_947),
    ("[AR23] par med tre barn, med endring", date(2023, 12, 1), 5, 3, 500_000, 316_456),
]


@pytest.mark.parametrize(("source", "day", "members", "children", "annual_kr", "weighted_kr"), PUBLISHED_WEIGHTING,
                         ids=[c[0] for c in PUBLISHED_WEIGHTING])
def test_published_weighting_examples(source, day, members, children, annual_kr, weighted_kr):
    # the rules in force on the example's day: the child weight 0,15 applies from 1 February 2023
    # [AR23] ("Fra og med 1. februar 2023 ble vektingen for barn endret fra 0,13 til 0,15")
    rates = entitlement_rules().statlig_at(day)
    # the engine takes a month's income in øre; 300 000 kr a year is 25 000 kr a month exactly,
    # 500 000 kr is 41 666,66 kr (the year 499 999,92 kr), which weighs to the same krone
    monthly_ore, rest = divmod(annual_kr * 100, 12)
    steps, _, _ = estimate_bostotte(members, 4, monthly_ore, 0, rates, children=children)
    got = {s.key: s.value for s in steps}
    if rest == 0:
        assert got["weighted_income"] == weighted_kr * 100
    else:
        assert got["income_annual"] == annual_kr * 100 - rest
        assert got["weighted_income"] == weighted_kr * 100


# (members, kommune group, gross income per month, housing costs per month) -> bostøtte per month
# Rates 2023-01-01 [V3][V4][V7][V13]: ceilings 78 237 / 97 404 / 108 263 / 119 124 / 129 983 kr,
# + 24 900 (group 1, Oslo), 16 978 (group 2), 11 319 (group 3); minste egenandel 22 487; 16,44 %
# over 110 866; progressive 0,27 % × k over 195 220 (k = 1 + whole 1 205 kr steps above 195 221);
# weights 1 + 0,13 per further member; 73,7 %; minimum payout 56 kr.
HAND = [
    # 1 person, group 4 (e.g. Moss), 15 000 kr/month, rent 8 000:
    #   income 180 000/yr, weight 1,00 -> 180 000; share (180 000-110 866)×16,44 % = 11 365,63;
    #   no progressive term; egenandel 22 487 + 11 365,63 = 33 852,63; housing 96 000 > ceiling
    #   78 237; (78 237-33 852,63) = 44 384,37 × 73,7 % = 32 711,28/yr; /12 = 2 725,94 -> 2 726
    ((1, 4, 15_000, 8_000), 2_726),
    # 1 person, group 1 (Oslo), 15 000, rent 9 000: ceiling 78 237+24 900 = 103 137 < 108 000;
    #   (103 137-33 852,63) = 69 284,37 × 73,7 % = 51 062,58; /12 = 4 255,22 -> 4 255
    ((1, 1, 15_000, 9_000), 4_255),
    # 2 persons, group 2 (Bergen), 20 000, rent 8 000: 240 000/1,13 = 212 389,38 -> 212 389;
    #   share (212 389-110 866)×16,44 % = 16 690,38; k = 1+(212 389-195 221)//1 205 = 1+14 = 15,
    #   progressive 212 389×15×0,27 % = 8 601,75; egenandel 22 487+16 690,38+8 601,75 = 47 779,13;
    #   housing 96 000 < ceiling 97 404+16 978; (96 000-47 779,13) × 73,7 % = 35 538,78; /12 -> 2 962
    ((2, 2, 20_000, 8_000), 2_962),
    # 3 persons, group 3 (Asker), 25 000, rent 10 000: 300 000/1,26 -> 238 095 (as [V7]);
    #   share 127 229×16,44 % = 20 916,45; k = 1+42 874//1 205 = 36, 238 095×36×0,27 % = 23 142,83;
    #   egenandel 66 546,28; ceiling 108 263+11 319 = 119 582 < 120 000;
    #   (119 582-66 546,28) × 73,7 % = 39 087,33; /12 = 3 257,28 -> 3 257
    ((3, 3, 25_000, 10_000), 3_257),
    # 4 persons, group 4, 30 000, rent 9 000: 360 000/1,39 = 258 992,81 -> 258 993;
    #   share 148 127×16,44 % = 24 352,08; k = 1+63 772//1 205 = 53, ×0,27 % -> 37 061,90;
    #   egenandel 83 900,98; housing 108 000 < 119 124; 24 099,02 × 73,7 % = 17 760,98; /12 -> 1 480
    ((4, 4, 30_000, 9_000), 1_480),
    # 5 persons, group 1, 28 000, rent 14 000: 336 000/1,52 = 221 052,63 -> 221 053;
    #   share 110 187×16,44 % = 18 114,74; k = 1+25 832//1 205 = 22, ×0,27 % -> 13 130,55;
    #   egenandel 53 732,29; ceiling 129 983+24 900 = 154 883 < 168 000;
    #   101 150,71 × 73,7 % = 74 548,07; /12 = 6 212,34 -> 6 212
    ((5, 1, 28_000, 14_000), 6_212),
    # 6 persons (the 5+ ceiling), group 2, 22 000, rent 12 000: 264 000/1,65 = 160 000;
    #   share 49 134×16,44 % = 8 077,63; no progressive; egenandel 30 564,63; housing 144 000 <
    #   129 983+16 978 = 146 961; 113 435,37 × 73,7 % = 83 601,87; /12 = 6 966,82 -> 6 967
    ((6, 2, 22_000, 12_000), 6_967),
    # 1 person, group 4, 8 000 (below 110 866/yr): egenandel = 22 487 only; housing 72 000;
    #   49 513 × 73,7 % = 36 491,08; /12 = 3 040,92 -> 3 041
    ((1, 4, 8_000, 6_000), 3_041),
    # 1 person, group 4, 20 000, rent 8 000: 240 000; share 21 229,63; k = 1+44 779//1 205 = 38,
    #   240 000×38×0,27 % = 24 624; egenandel 68 340,63; 78 237-68 340,63 = 9 896,37 × 73,7 %
    #   = 7 293,62; /12 = 607,80 -> 608
    ((1, 4, 20_000, 8_000), 608),
    # 2 persons, group 1, 18 000, rent 4 000 + 1 500 other costs: 216 000/1,13 = 191 150,44 ->
    #   191 150; share 80 284×16,44 % = 13 198,69; egenandel 35 685,69; housing 66 000;
    #   30 314,31 × 73,7 % = 22 341,65; /12 = 1 861,80 -> 1 862
    ((2, 1, 18_000, 5_500), 1_862),
    # 3 persons, group 2, 26 500, rent 11 000: 318 000/1,26 = 252 380,95 -> 252 381; share
    #   141 515×16,44 % = 23 265,07; k = 1+57 160//1 205 = 48, ×0,27 % -> 32 708,58; egenandel
    #   78 460,65; ceiling 108 263+16 978 = 125 241; 46 780,35 × 73,7 % = 34 477,12; /12 -> 2 873
    ((3, 2, 26_500, 11_000), 2_873),
    # 1 person, group 4, 16 000, rent 3 100: share 81 134×16,44 % = 13 338,43; egenandel
    #   35 825,43; housing 37 200; 1 374,57 × 73,7 % = 1 013,06; /12 = 84,42 -> 84 (>= 56: paid)
    ((1, 4, 16_000, 3_100), 84),
]


@pytest.mark.parametrize(("case", "monthly_kr"), HAND, ids=[f"{c[0]}p-g{c[1]}-{c[2]}-{c[3]}" for c, _ in HAND])
def test_hand_computed_cases(case, monthly_kr):
    got = _case(*case)
    assert got["paid"] == monthly_kr * 100
    # the steps add up: approved − egenandel is the basis, and the egenandel is its three parts
    assert got["egenandel"] == (got["egenandel_minimum"] + got["egenandel_share"] + got.get("egenandel_progressive", 0)
                                + got.get("egenandel_upper", 0))
    assert got["basis"] == max(0, got["approved"] - got["egenandel"])


# The rules from 1 June 2025 (FOR-2025-05-27-902, Norsk Lovtidend; the official amending text):
# ceilings 89 029 / 109 820 / 121 599 / 133 380 / 145 159 kr, + 27 010 (group 1), 18 416 (group 2),
# 12 278 (group 3); minste egenandel 25 752; 16,44 % of the weighted income over 133 200 and a
# further 63,56 % over 237 672 (no progressive steps); heating 7 366 kr a year added for those who
# do not pay it through the rent (§ 2 d); 73,7 % and the weights unchanged; minimum payout 61 kr.
RATES_2025 = entitlement_rules().statlig_at(date(2026, 1, 1))
HAND_2025 = [
    # 1 person, group 4, 15 000, rent 8 000: 180 000; share 46 800 × 16,44 % = 7 693,92; egenandel
    #   33 445,92; housing 96 000 > ceiling 89 029; 55 583,08 × 73,7 % = 40 964,73; /12 = 3 413,73
    ((1, 4, 15_000, 8_000, False), 3_414),
    # 1 person, Oslo, 15 000, rent 9 000, pays heating itself: housing 108 000 + 7 366 = 115 366 <
    #   89 029 + 27 010 = 116 039; 81 920,08 × 73,7 % = 60 375,10; /12 = 5 031,26
    ((1, 1, 15_000, 9_000, True), 5_031),
    # 2 persons, Bergen, 20 000, rent 9 500: 240 000 / 1,13 -> 212 389; share 79 189 × 16,44 % =
    #   13 018,67; egenandel 38 770,67; housing 114 000 < 128 236; 75 229,33 × 73,7 % = 55 444,02 -> 4 620
    ((2, 2, 20_000, 9_500, False), 4_620),
    # 3 persons, Asker, 25 000, rent 11 000, heating: 238 095; share 104 895 × 16,44 % = 17 244,74;
    #   upper 423 × 63,56 % = 268,86; egenandel 43 265,60; 132 000 + 7 366 = 139 366 > 121 599 +
    #   12 278 = 133 877; 90 611,40 × 73,7 % = 66 780,60; /12 = 5 565,05
    ((3, 3, 25_000, 11_000, True), 5_565),
    # 4 persons, group 4, 30 000, rent 10 000: 360 000 / 1,39 -> 258 993; share 125 793 × 16,44 % =
    #   20 680,37; upper 21 321 × 63,56 % = 13 551,63; egenandel 59 984,00; housing 120 000 <
    #   133 380; 60 016 × 73,7 % = 44 231,79; /12 = 3 685,98 -> 3 686
    ((4, 4, 30_000, 10_000, False), 3_686),
    # 1 person, group 4, 8 000, rent 6 000: below 133 200, egenandel 25 752; 46 248 × 73,7 % =
    #   34 084,78; /12 = 2 840,40
    ((1, 4, 8_000, 6_000, False), 2_840),
    # 1 person, group 4, 21 000, rent 8 000: 252 000; share 118 800 × 16,44 % = 19 530,72; upper
    #   14 328 × 63,56 % = 9 106,88; egenandel 54 389,60; 34 639,40 × 73,7 % = 25 529,24; /12 -> 2 127
    ((1, 4, 21_000, 8_000, False), 2_127),
    # 1 person, group 4, 24 550, rent 8 000: 294 600; 161 400 × 16,44 % = 26 534,16; 56 928 ×
    #   63,56 % = 36 183,44; egenandel 88 469,60; 559,40 × 73,7 % = 412,28; /12 = 34,36 -> 34 kr,
    #   below the minimum 61 kr: nothing is paid
    ((1, 4, 24_550, 8_000, False), 0),
]


@pytest.mark.parametrize(("case", "monthly_kr"), HAND_2025, ids=[f"2025-{c[0]}p-g{c[1]}-{c[2]}-{c[3]}" for c, _ in HAND_2025])
def test_hand_computed_cases_2025(case, monthly_kr):
    *args, heating = case
    steps, _, paid = estimate_bostotte(*(args[:2]), args[2] * 100, args[3] * 100, RATES_2025, heating)
    assert paid == monthly_kr * 100
    got = {s.key: s.value for s in steps}
    assert "egenandel_progressive" not in got  # the steps were replaced by the 63,56 % share
    assert got["egenandel"] == got["egenandel_minimum"] + got["egenandel_share"] + got["egenandel_upper"]
    assert got.get("heating", 0) == (7_366_00 if heating else 0)


# The rules from 1 June 2026 (Husbanken's veileder of 29.06.2026): ceilings 92 234 / 113 774 /
# 125 977 / 138 182 / 150 385 kr, + 27 982 (Oslo), 19 079 (group 2), 12 720 (group 3); minste
# egenandel 26 576; 16,44 % over 137 462 and 63,56 % over 245 278; heating 7 631; children 0,15;
# minimum payout 63 kr.
RATES_2026 = entitlement_rules().statlig_at(date(2026, 12, 6))
HAND_2026 = [
    # 1 person, group 4, 15 000, rent 8 000: 180 000; share 42 538 × 16,44 % = 6 993,25; egenandel
    #   33 569,25; 96 000 > 92 234; 58 664,75 × 73,7 % = 43 235,92; /12 = 3 602,99 -> 3 603
    ((1, 4, 15_000, 8_000, False, 0), 3_603),
    # 2 persons (one adult, one child), Bergen, 20 000, rent 10 000: 240 000 / 1,15 = 208 695,65 ->
    #   208 696; share 71 234 × 16,44 % = 11 710,87; egenandel 38 286,87; 120 000 < 113 774 + 19 079
    #   = 132 853; 81 713,13 × 73,7 % = 60 222,58; /12 = 5 018,55 -> 5 019
    ((2, 2, 20_000, 10_000, False, 1), 5_019),
    # 4 persons (two adults, two children), Oslo, 32 000, rent 14 000, heating: 384 000 / 1,43 =
    #   268 531,47 -> 268 531; share 131 069 × 16,44 % = 21 547,74; upper 23 253 × 63,56 % =
    #   14 779,61; egenandel 62 903,35; 168 000 + 7 631 = 175 631 > 138 182 + 27 982 = 166 164;
    #   103 260,65 × 73,7 % = 76 103,10; /12 = 6 341,93 -> 6 342
    ((4, 1, 32_000, 14_000, True, 2), 6_342),
    # 1 person, group 4, 24 000, rent 8 000: 288 000; share 150 538 × 16,44 % = 24 748,45; upper
    #   42 722 × 63,56 % = 27 154,11; egenandel 78 478,56; 92 234 - 78 478,56 = 13 755,44 × 73,7 %
    #   = 10 137,76; /12 = 844,81 -> 845
    ((1, 4, 24_000, 8_000, False, 0), 845),
    # 1 person, group 4, 25 900, rent 8 000: 310 800; share 173 338 × 16,44 % = 28 496,77; upper
    #   65 522 × 63,56 % = 41 645,78; egenandel 96 718,55 > 92 234: nothing
    ((1, 4, 25_900, 8_000, False, 0), 0),
]


@pytest.mark.parametrize(("case", "monthly_kr"), HAND_2026, ids=[f"2026-{c[0]}p{c[5]}b-g{c[1]}-{c[2]}-{c[3]}" for c, _ in HAND_2026])
def test_hand_computed_cases_2026(case, monthly_kr):
    members, group, income, rent, heating, children = case
    _, _, paid = estimate_bostotte(members, group, income * 100, rent * 100, RATES_2026, heating, children)
    assert paid == monthly_kr * 100


# § 4 sixth paragraph: a household of one with alderspensjon has its own thresholds (2022: 115 165
# and the progressive start 201 243 [V4]; June 2025: 143 677 and 248 656, FOR-2025-05-27-902;
# June 2026: 148 275 and 256 613 [V26], second-hand).
PENSIONER = [
    # Nov. 2022, group 4, 18 000, rent 8 000: 216 000; share 100 835 × 16,44 % = 16 577,27;
    #   k = 1 + (216 000 - 201 244) // 1 205 = 13, 216 000 × 13 × 0,12 % = 3 369,60; egenandel
    #   42 433,87; (78 237 - 42 433,87) × 73,7 % = 26 386,91; /12 = 2 198,91 -> 2 199
    (date(2022, 11, 1), (1, 4, 18_000, 8_000), 2_199),
    # 2025, group 4, 20 000, rent 8 000: 240 000; share 96 323 × 16,44 % = 15 835,50; below the
    #   upper threshold; egenandel 41 587,50; (89 029 - 41 587,50) × 73,7 % = 34 964,39; /12 -> 2 914
    #   (without the pensioners' thresholds: 2 717)
    (date(2026, 1, 1), (1, 4, 20_000, 8_000), 2_914),
    # 2026, Oslo, 22 000, rent 10 000: 264 000; share 115 725 × 16,44 % = 19 025,19; upper 7 387 ×
    #   63,56 % = 4 695,18; egenandel 50 296,37; 120 000 < 92 234 + 27 982; 69 703,63 × 73,7 % =
    #   51 371,58; /12 = 4 280,97 -> 4 281
    (date(2026, 12, 6), (1, 1, 22_000, 10_000), 4_281),
]


@pytest.mark.parametrize(("day", "case", "monthly_kr"), PENSIONER, ids=[str(d) for d, _, _ in PENSIONER])
def test_single_pensioners_have_their_own_thresholds(day, case, monthly_kr):
    rates = entitlement_rules().statlig_at(day)
    members, group, income, rent = case
    assert estimate_bostotte(members, group, income * 100, rent * 100, rates, single_pensioner=True)[2] == monthly_kr * 100
    # a household of two is not "einsleg": the ordinary thresholds, whatever it is told
    assert (estimate_bostotte(2, group, income * 100, rent * 100, rates, single_pensioner=True)
            == estimate_bostotte(2, group, income * 100, rent * 100, rates))


def test_the_household_check_knows_the_single_pensioner_and_names_ung_ufor():
    old_age = _household(income=[{"kind": "alderspensjon", "amount": 16_000, "day": 20}],
                         entitlement={"kommune": "Moss", "members": 1, "gross_income_monthly": 20_000})
    assert entitlements(old_age, date(2026, 1, 1)).bostotte.monthly_ore == 2_914_00  # as the case above
    disabled = _household(entitlement={"kommune": "Moss", "members": 1, "gross_income_monthly": 20_000})
    b = entitlements(disabled, date(2026, 1, 1)).bostotte
    assert b.monthly_ore == 2_717_00 and "ung_ufor" in b.uncertain  # uføretrygd: ordinary thresholds, named


def test_the_2026_figures_are_the_2025_forskrift_indexed():
    # Husbanken's årsrapporter describe the yearly prisjustering on 1 June: the boutgift figures by
    # one percentage, the egenandel figures by another [AR24]. Every krone figure of the 2026 set
    # (the veileder, partly second-hand) is the official 2025 figure (FOR-2025-05-27-902) × 1,036
    # or × 1,032, rounded to the krone: a check of both transcriptions against each other.
    old, new = entitlement_rules().statlig_at(date(2025, 7, 1)), RATES_2026

    def indexed(ore: int, factor: Fraction) -> int:
        return math.floor(Fraction(ore, 100) * factor + Fraction(1, 2)) * 100

    tak, egen = Fraction(1036, 1000), Fraction(1032, 1000)
    assert new.ceiling == tuple(indexed(c, tak) for c in old.ceiling)
    assert new.ceiling_extra == {g: indexed(v, tak) for g, v in old.ceiling_extra.items()}
    assert (new.minimum_egenandel, new.income_threshold, new.upper_threshold) == (
        indexed(old.minimum_egenandel, egen), indexed(old.income_threshold, egen), indexed(old.upper_threshold, egen))
    assert (new.pensioner_threshold, new.pensioner_upper_threshold) == (
        indexed(old.pensioner_threshold, egen), indexed(old.pensioner_upper_threshold, egen))
    assert (new.coverage, new.income_share, new.upper_share) == (old.coverage, old.income_share, old.upper_share)
    assert new.minimum_payout == 63_00 and old.minimum_payout == 61_00


def test_the_january_2023_oslo_limit_matches_the_temporary_rates():
    # digital24.no, "Fortsatt strømstøtte til de med bostøtte" (January 2023), quoting Husbanken:
    # "Hvis du har 27.000 kroner, eller mindre, i brutto månedsinntekt kan du ha rett til bostøtte,
    # hvis du er enslig og bor i Oslo." A rounded figure, so not to the krone: the highest income
    # still paid (housing at the ceiling) is checked to round down to 27 000 with the temporary
    # rates the file dates to then, and not with the ordinary 0,27 % (which would give about 23 200).
    def limit(rates):
        lo, hi = 0, 60_000
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if estimate_bostotte(1, 1, mid * 100, 20_000_00, rates)[2] else (lo, mid)
        return lo

    jan_2023 = limit(entitlement_rules().statlig_at(date(2023, 1, 15)))
    assert jan_2023 // 1_000 == 27 and limit(RATES) // 1_000 == 23


def test_below_minimum_payout_is_not_paid():
    # 1 person, group 4, 16 000, rent 3 000: 36 000-35 825,43 = 174,57 × 73,7 % = 128,66/yr;
    # /12 = 10,72 -> 11 kr, below the 56 kr minimum (§ 13): nothing is paid
    got = _case(1, 4, 16_000, 3_000)
    assert (got["computed"], got["paid"]) == (1_100, 0)


def test_income_above_the_limit_gives_nothing():
    # 1 person, group 4, 21 000: 252 000; share 141 134×16,44 % = 23 202,43; k = 1+56 779//1 205
    # = 48, 252 000×48×0,27 % = 32 659,20; egenandel 78 348,63 > ceiling 78 237: basis 0
    got = _case(1, 4, 21_000, 8_000)
    assert got["basis"] == 0 and got["paid"] == 0


def test_the_2022_progressive_rate_is_dated():
    # 1 October-31 December 2022 the progressive term was 0,12 % per step ([V4]): the case
    # 1 person, group 4, 20 000, rent 8 000 then has 240 000×38×0,12 % = 10 944 instead of
    # 24 624; egenandel 54 660,63; 23 576,37 × 73,7 % = 17 375,79; /12 = 1 447,98 -> 1 448
    older = entitlement_rules().statlig_at(date(2022, 11, 1))
    _, _, paid = estimate_bostotte(1, 4, 2_000_000, 800_000, older)
    assert paid == 1_448_00


def _household(**over) -> Household:
    doc = {"id": "t", "start": date(2023, 1, 1), "months": 12, "adults": 1, "children": 0,
           "income": [{"kind": "uforetrygd", "amount": 15_000, "day": 20}],
           "expense": [{"kind": "husleie", "amount": 8_000, "day": 1}],
           "entitlement": {"kommune": "Moss", "members": 1, "gross_income_monthly": 15_000}}
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(doc.get(k), dict):
            doc[k] = {**doc[k], **v}  # type: ignore[dict-item]
        else:
            doc[k] = v
    return Household.model_validate(doc)


def test_household_estimate_and_deadline():
    e = entitlements(_household(), date(2023, 3, 10))
    b = e.bostotte
    assert b.monthly_ore == 2_726_00 and b.unused and b.kommunegruppe == 4
    # deadline the 25th of the as-of month; the bostøtte for March is paid 20 April 2023
    # (a Thursday, a bank day)
    assert (b.deadline, b.for_month, b.first_payout) == (date(2023, 3, 25), "2023-03", date(2023, 4, 20))
    # after the 25th the next month's deadline counts; 20 May 2023 is a Saturday: paid Friday the 19th
    late = entitlements(_household(), date(2023, 3, 26)).bostotte
    assert (late.deadline, late.first_payout) == (date(2023, 4, 25), date(2023, 5, 19))
    assert "wealth" in b.uncertain and "income_net" not in b.uncertain


def test_net_payouts_are_named_uncertain_and_tax_free_income_left_out():
    h = _household(entitlement={"gross_income_monthly": None},
                   income=[{"kind": "uforetrygd", "amount": 15_000, "day": 20},
                           {"kind": "barnetrygd", "amount": 1_766, "day": 20}])
    b = entitlements(h, date(2023, 3, 1)).bostotte
    assert "income_net" in b.uncertain
    assert dict((s.key, s.value) for s in b.steps)["income_monthly"] == 15_000_00  # barnetrygd not counted


def test_a_household_with_bostotte_is_never_flagged():
    h = _household(income=[{"kind": "uforetrygd", "amount": 15_000, "day": 20},
                           {"kind": "bostotte", "amount": 2_000}])
    assert unused_bostotte(h, date(2023, 3, 1)) == 0
    assert entitlements(h, date(2023, 3, 1)).bostotte.monthly_ore > 0  # it would be eligible


def test_kommunal_bostotte_oslo_and_none_elsewhere():
    oslo = _household(entitlement={"kommune": "Oslo", "kommunal_bolig": True})
    schemes = entitlements(oslo, date(2023, 3, 1)).kommunal
    reduction = next(s for s in schemes if s.rule.kind == "rent_reduction")
    assert reduction.monthly_ore == 880_00  # 11 % of 8 000
    assert any(s.rule.kind == "means_tested" and s.monthly_ore is None for s in schemes)
    assert entitlements(_household(), date(2023, 3, 1)).kommunal == ()  # Moss: no data, off
    unknown = _household(entitlement={"kommune": "Oslo", "kommunal_bolig": None})
    assert all(s.monthly_ore is None for s in entitlements(unknown, date(2023, 3, 1)).kommunal)


# Bodø's kommunal bostøtte from its published rule (bodo.kommune.no, "Beregning av bostøtte"): the
# rent above a "rimelig boutgift" of 12,5 % of the year's income up to 50 000 kr (one person) or
# 80 000 kr (two; + 10 000 per further member), + 1 percentage point per started 10 000 kr up to
# 30 000 kr above that, then + 1 per started 5 000 kr; none on a year's rent below 6 000 / 10 500 kr
# or under 600 kr a year. (members, income per year, rent per year) -> (share ‰ of 10 000, support)
BODO = [
    # one person, 40 000: 12,5 % -> 5 000; 60 000 - 5 000 = 55 000
    ((1, 40_000, 60_000), (1_250, 55_000)),
    # one person, 80 000: 3 started steps of 10 000 -> 15,5 % = 12 400; 47 600
    ((1, 80_000, 60_000), (1_550, 47_600)),
    # one person, 80 001: + 1 started 5 000 -> 16,5 % = 13 200,17; 46 799,83
    ((1, 80_001, 60_000), (1_650, 46_799.83)),
    # one person, 150 000: 15,5 + 14 (70 000 / 5 000) = 29,5 % = 44 250; 96 000 - 44 250 = 51 750
    ((1, 150_000, 96_000), (2_950, 51_750)),
    # three persons, 95 000: limit 90 000, 1 started step -> 13,5 % = 12 825; 77 175
    ((3, 95_000, 90_000), (1_350, 77_175)),
    # two persons, 250 000: 15,5 + 28 = 43,5 % = 108 750 > the rent 100 000: nothing
    ((2, 250_000, 100_000), (4_350, 0)),
    # one person, rent 5 900 a year (below 6 000): nothing, though 12,5 % of 10 000 is 1 250
    ((1, 10_000, 5_900), (1_250, 0)),
    # one person, 200 000, rent 80 000: 15,5 + 24 = 39,5 % = 79 000; 1 000 >= 600: paid
    ((1, 200_000, 80_000), (3_950, 1_000)),
    # one person, 201 000: 39,5 + 1 = 40,5 % = 81 405 > 80 000: nothing
    ((1, 201_000, 80_000), (4_050, 0)),
    # two persons, 150 000, rent 50 000: 15,5 + 8 = 23,5 % = 35 250; 14 750
    ((2, 150_000, 50_000), (2_350, 14_750)),
]


@pytest.mark.parametrize(("case", "expected"), BODO, ids=[f"{c[0]}p-{c[1]}-{c[2]}" for c, _ in BODO])
def test_bodo_kommunal_bostotte_from_its_published_rule(case, expected):
    from planner.entitlement.estimate import reasonable_cost_support

    members, income, rent = case
    rule = next(r for r in entitlement_rules().kommunal if r.kommune == "Bodø")
    assert rule.reasonable is not None
    rate, _, support = reasonable_cost_support(members, income * 100, rent * 100, rule.reasonable)
    assert (rate, support) == (expected[0], round(expected[1] * 100))


def test_bodo_scheme_in_the_household_check():
    # one person in Bodø, 15 000 kr gross a month (180 000 a year), rent 8 000 (96 000 a year):
    # 15,5 + 20 (100 000 / 5 000) = 35,5 % = 63 900; 32 100 a year; / 12 = 2 675 kr a month
    bodo = _household(entitlement={"kommune": "Bodø", "kommunal_bolig": True})
    (scheme,) = entitlements(bodo, date(2026, 12, 6)).kommunal
    assert scheme.rule.kind == "reasonable_cost" and scheme.monthly_ore == 2_675_00
    unknown = _household(entitlement={"kommune": "Bodø"})
    (scheme,) = entitlements(unknown, date(2026, 12, 6)).kommunal
    assert scheme.monthly_ore is None and scheme.applies is None
    assert entitlements(bodo, date(2018, 12, 31)).kommunal == ()  # before 1 January 2019: none


def test_sosialhjelp_indication_against_the_satser():
    # 2024 satser (A-3/2023): enslig 7 850, barn 0-5 3 850, barn 11-17 5 150. One adult, two
    # children aged 3 and 12, rent 8 000 and strøm 900: need 7 850+3 850+5 150+8 000+900 = 25 750;
    # income 15 000 (barnetrygd not counted) + the unused bostøtte estimate
    h = _household(children=2, income=[{"kind": "uforetrygd", "amount": 15_000, "day": 20},
                                       {"kind": "barnetrygd", "amount": 3_532, "day": 20}],
                   expense=[{"kind": "husleie", "amount": 8_000, "day": 1}, {"kind": "strom", "amount": 900, "day": 15}],
                   entitlement={"members": 3, "child_ages": [3, 12]}, start=date(2024, 1, 1))
    e = entitlements(h, date(2024, 2, 1))
    s = e.sosialhjelp
    assert s.livsopphold_ore == (7_850 + 3_850 + 5_150) * 100 and s.housing_ore == 8_900_00
    assert s.income_ore == 15_000_00 + e.bostotte.monthly_ore
    assert s.gap_ore == 25_750_00 - s.income_ore and s.below


def test_sosialhjelp_satser_are_dated():
    # one adult and a child of 3: the child's sats rose from 2 850 to 3 150 kr on 1 September 2021
    # (Statsforvalteren i Troms og Finnmark, "Endrer satser for sosialhjelp"), the adult's stayed
    # 6 450 (from 1 January 2021); barnetrygd still counted before September 2022
    h = _household(children=1, entitlement={"members": 2, "child_ages": [3]}, start=date(2021, 1, 1))
    assert entitlements(h, date(2021, 8, 31)).sosialhjelp.livsopphold_ore == (6_450 + 2_850) * 100
    assert entitlements(h, date(2021, 9, 1)).sosialhjelp.livsopphold_ore == (6_450 + 3_150) * 100
    # after the last known satser (2024) the indication says the rates are dated
    late = entitlements(h, date(2026, 12, 6)).sosialhjelp
    assert late.livsopphold_ore == (7_850 + 3_850) * 100 and "rates_dated" in late.uncertain
    assert "rates_dated" not in entitlements(h, date(2024, 6, 1)).sosialhjelp.uncertain


# --------------------------------------------------------------------------- generated caseload

#: The forskrift's figures again, written out apart from the data file (kroner; percentages as
#: Fractions): the ordinary 2024 set [V3][V4], the set from 1 June 2025 (FOR-2025-05-27-902) and
#: the set from 1 June 2026 (Husbanken's veileder of 29.06.2026); each with § 7's child weight 0,15.
REF_2024 = {"ceilings": [78_237, 97_404, 108_263, 119_124, 129_983], "extra": {1: 24_900, 2: 16_978, 3: 11_319, 4: 0},
            "minimum": 22_487, "threshold": 110_866, "steps": (195_220, 1_205, Fraction(27, 100)), "upper": None,
            "payout": 56}
REF_2025 = {"ceilings": [89_029, 109_820, 121_599, 133_380, 145_159], "extra": {1: 27_010, 2: 18_416, 3: 12_278, 4: 0},
            "minimum": 25_752, "threshold": 133_200, "steps": None, "upper": (237_672, Fraction(6356, 100)),
            "payout": 61}
REF_2026 = {"ceilings": [92_234, 113_774, 125_977, 138_182, 150_385], "extra": {1: 27_982, 2: 19_079, 3: 12_720, 4: 0},
            "minimum": 26_576, "threshold": 137_462, "steps": None, "upper": (245_278, Fraction(6356, 100)),
            "payout": 63}


def _reference(ref: dict, members: int, group: int, income_kr: int, housing_kr: int, children: int = 0) -> int:
    """The formula again, written apart from the engine with exact fractions (kroner); no
    heating supplement (the generated files have no strøm expense). `children`: members under
    18, weighing 0,15 each (§ 7 from February 2023) where further adults weigh 0,13."""
    def rnd(x: Fraction) -> int:
        return math.floor(x + Fraction(1, 2))
    weight = 1 + Fraction(13, 100) * (members - 1 - children) + Fraction(15, 100) * children
    weighted = rnd(Fraction(12 * income_kr) / weight)
    eg = Fraction(ref["minimum"])
    if weighted > ref["threshold"]:
        eg += Fraction(rnd((weighted - ref["threshold"]) * Fraction(1644, 100)), 100)
    if ref["steps"] and weighted > ref["steps"][0]:
        start, step, rate = ref["steps"]
        k = (weighted - start - 1) // step + 1
        eg += Fraction(rnd(weighted * k * rate), 100)
    if ref["upper"] and weighted > ref["upper"][0]:
        eg += Fraction(rnd((weighted - ref["upper"][0]) * ref["upper"][1]), 100)
    approved = min(12 * housing_kr, ref["ceilings"][min(members, 5) - 1] + ref["extra"][group])
    per_year = Fraction(rnd(max(Fraction(0), approved - eg) * Fraction(737, 10)), 100)
    monthly = rnd(per_year / 12)
    return monthly if monthly >= ref["payout"] else 0


KOMMUNER = {"Oslo": 1, "Bergen": 2, "Tromsø": 2, "Asker": 3, "Sandnes": 3, "Moss": 4, "Bodø": 4}


@st.composite
def caseload_household(draw):
    members = draw(st.integers(1, 7))
    adults = draw(st.integers(1, min(2, members)))
    kommune = draw(st.sampled_from(sorted(KOMMUNER)))
    income = draw(st.integers(4_000, 40_000))
    rent = draw(st.integers(3_000, 16_000))
    has = draw(st.booleans())
    net = income * 4 // 5  # the file holds payouts after tax; Husbanken counts the gross
    incomes = [{"kind": draw(st.sampled_from(["uforetrygd", "aap", "lonn", "overgangsstonad"])), "amount": net, "day": 20}]
    if members > adults:
        incomes.append({"kind": "barnetrygd", "amount": 1_766 * (members - adults)})
    if has:
        incomes.append({"kind": "bostotte", "amount": draw(st.integers(100, 5_000))})
    h = Household.model_validate({
        "id": "g", "start": date(2023, 1, 1), "months": 12, "adults": adults, "children": members - adults,
        "income": incomes, "expense": [{"kind": "husleie", "amount": rent, "day": 1}],
        "entitlement": {"kommune": kommune, "gross_income_monthly": income if draw(st.booleans()) else None}})
    return h, has, (members, KOMMUNER[kommune], income, rent, members - adults)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(caseload_household(), min_size=20, max_size=40),
       st.sampled_from([(date(2024, 6, 1), REF_2024), (date(2026, 1, 1), REF_2025), (date(2026, 12, 6), REF_2026)]))
def test_caseload_recall_and_no_false_flag_on_existing_bostotte(load, rules):
    """Planted eligible households (no bostøtte stream; the independent formula on the true gross
    income reaches the minimum payout) must be flagged, ≥ 95 %; one with bostøtte never is. Under
    the ordinary 2024 rates and the rates from June 2025 and June 2026."""
    day, reference = rules
    planted = flagged_planted = 0
    for h, has, (members, group, income, rent, children) in load:
        estimate = unused_bostotte(h, day)
        flagged = estimate > 0
        truth = _reference(reference, members, group, income, rent, children)
        if has:
            assert not flagged, "a household with bostøtte in its incomes was flagged"
        elif h.entitlement.gross_income_monthly is not None:
            assert estimate == truth * 100  # given the gross, the two implementations agree to the krone
        if not has and truth > 0:
            planted += 1
            flagged_planted += flagged
    if planted:
        assert flagged_planted / planted >= 0.95


# --------------------------------------------------------------------------- the command

# scenarios/uten-bostotte.toml on 2026-01-01 (the rules from June 2025), by hand: one adult and
# two children in Oslo, gross 17 500 kr a month, rent 11 500 kr, electricity paid outside the rent.
# Weight 1 + 2 × 0,15 = 1,30 (§ 7); 210 000 / 1,30 = 161 538,46 -> 161 538; egenandel 25 752 +
# (161 538 - 133 200) × 16,44 % = 25 752 + 4 658,77 = 30 410,77; housing 138 000 + heating 7 366 =
# 145 366 < ceiling 121 599 + 27 010; (145 366 - 30 410,77) × 73,7 % = 84 722,00; / 12 = 7 060,17
# -> 7 060 kr a month (with the weight 0,13 of before February 2023 it would be 7 008 kr).
def test_command_prints_the_estimate_and_refuses_bad_input(tmp_path):
    from click.testing import CliRunner
    from conftest import SCENARIOS

    from planner.cli import main

    r = CliRunner().invoke(main, ["entitlement", str(SCENARIOS / "uten-bostotte.toml"), "--as-of", "2026-01-01"],
                           catch_exceptions=False)
    assert r.exit_code == 0
    assert "et anslag, ikke et vedtak" in r.output
    assert "Anslått utbetaling per måned" in r.output and "7 060,00 kr" in r.output
    assert "Søknadsfrist: 25.01.2026" in r.output and "Oslobostøtta" in r.output
    bad = tmp_path / "bad.toml"
    bad.write_text((SCENARIOS / "uten-bostotte.toml").read_text(encoding="utf-8").replace("members = 3", "members = 0"),
                   encoding="utf-8")
    r = CliRunner().invoke(main, ["entitlement", str(bad)])
    assert r.exit_code == 2 and "entitlement.members" in r.output and "Traceback" not in r.output


# --------------------------------------------------------------------------- batch and half-year report

def test_batch_flags_unused_bostotte_and_the_halfyear_report_counts_it(tmp_path):
    import csv

    from conftest import SCENARIOS

    from planner.halfyear import Caseload, Period, build_report
    from planner.halfyear.batchsource import read_batch

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("uten-bostotte.toml", "lav-inntekt.toml"):
        (folder / name).write_text((SCENARIOS / name).read_text(encoding="utf-8"), encoding="utf-8")
    from test_batch import run_inline  # the batch test's own runner

    run_inline([folder], tmp_path / "o")
    with open(tmp_path / "o" / "results.csv", encoding="utf-8", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    # the scenario without bostøtte: flagged with its estimate; lav-inntekt has bostøtte: never
    assert rows["uten-bostotte"]["bostotte_ikke_sokt"] == "ja"
    assert rows["uten-bostotte"]["bostotte_estimate_ore"] == "706000"
    assert rows["uten-bostotte"]["priority_bostotte"] == "10"
    assert rows["lav-inntekt"]["bostotte_ikke_sokt"] == "" and rows["lav-inntekt"]["priority_bostotte"] == "0"
    summary = (tmp_path / "o" / "summary.txt").read_text(encoding="utf-8")
    assert "bostøtte ikke søkt? 1 husstander, anslått 7 060,00 kr i måneden til sammen" in summary
    cases, _ = read_batch(tmp_path / "o")
    assert sorted(c.unused_bostotte_ore or 0 for c in cases) == [0, 7_060_00]
    # the report's figure: five copies reach the smallest count the report shows
    cl = Caseload()
    from dataclasses import replace

    cl.add([replace(c, key=f"{c.key}-{i}") for c in cases for i in range(5)], "batch")
    fig = next(f for f in build_report(cl, Period(date(2026, 1, 1), date(2026, 6, 30))).figures if f.key == "bostotte")
    assert fig.tables[0].rows[0] == ("Mulig ubrukt bostøtte", [5])
    assert fig.tables[1].rows[0].values == ["35 300 kr", "7 060 kr"]  # 5 × 7 060; the mean


# --------------------------------------------------------------------------- the lever "søk bostøtte"

def _scenario(**entitlement) -> Household:
    from conftest import SCENARIOS

    from planner.io.household import read_household

    h = read_household(SCENARIOS / "uten-bostotte.toml")
    return h.model_copy(update={"entitlement": h.entitlement.model_copy(update=entitlement)})


def _resimulated_low(h: Household, p) -> int:
    """The plan's lowest balance after each day's debits, added up again from its own bookings
    (the bridge's one-time sum, `opening_buffer_ore`, on the account from the start, as the
    plan contract books it)."""
    from planner.cashflow import simulate

    tenant = [t for t in p.transactions if t.account == "tenant"]
    opening = h.opening_balance + (p.opening_buffer_ore or 0)
    return int(simulate(tenant, h.start, h.end, opening).solvency_series(False).min())


def test_the_plan_counts_on_bostotte_only_when_an_application_is_confirmed():
    from planner.solver import plan

    day = date(2026, 1, 1)
    without = plan(_scenario(), as_of=day, time_limit_s=10)
    assert without.status == "infeasible" and "sok_bostotte" not in {i.lever for i in without.interventions}
    h = _scenario(bostotte_applied=True)
    p = plan(h, as_of=day, time_limit_s=10)
    levers = {i.lever: i for i in p.interventions}
    assert p.status == "planned" and "sok_bostotte" in levers
    est = entitlements(h, day).bostotte
    pays = [t for t in p.transactions if t.kind == "income" and t.stream == "bostotte"]
    # from the first payout (20.02.2026, for January) every month of the horizon, the estimate each time
    assert pays[0].date == est.first_payout == date(2026, 2, 20) and len(pays) == 11
    assert {t.amount_ore for t in pays} == {est.monthly_ore}
    assert levers["sok_bostotte"].request_by == est.deadline == date(2026, 1, 25)
    # the dip before the first payout is bridged, as any transition is
    assert "opening_buffer" in levers
    assert _resimulated_low(h, p) >= h.min_balance


def test_the_levers_letter_facts_pass_the_fact_checker():
    from planner.factcheck import check_facts
    from planner.levers import rules
    from planner.solver import plan

    h = _scenario(bostotte_applied=True)
    p = plan(h, as_of=date(2026, 1, 1), time_limit_s=10)
    i = next(i for i in p.interventions if i.lever == "sok_bostotte")
    first, facts = rules()["sok_bostotte"].letter_facts(i, p, h, None, None)
    shown = [(first, "x"), (facts["amount_ore"], "y")]
    assert check_facts(h, p, shown) == []
    from planner.facts import Fact

    wrong = [(Fact("sok_bostotte.amount", facts["amount_ore"].value + 100, "ore", "bostotte"), "z"),
             (Fact("sok_bostotte.first", date(2026, 2, 19), "date", "bostotte"), "w")]
    assert len(check_facts(h, p, wrong)) == 2


@st.composite
def applied_household(draw):
    members = draw(st.integers(1, 5))
    rent = draw(st.integers(6_000, 14_000))
    income = draw(st.integers(9_000, 20_000))
    return Household.model_validate({
        "id": "g", "start": date(2026, 1, 1), "months": 4, "adults": 1, "children": members - 1,
        "opening_balance": draw(st.integers(0, 20_000)),
        "income": [{"kind": "uforetrygd", "amount": income, "day": 20}],
        "expense": [{"kind": "husleie", "amount": rent, "day": 1}],
        "living": {"monthly": draw(st.integers(3_000, 8_000))},
        "entitlement": {"kommune": draw(st.sampled_from(sorted(KOMMUNER))), "members": members,
                        "gross_income_monthly": income + 2_000, "bostotte_applied": True}})


@settings(max_examples=examples(6), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(applied_household())
def test_generated_plans_with_bostotte_pass_the_simulator(h):
    from planner.solver import plan

    p = plan(h, as_of=date(2026, 1, 1), time_limit_s=5, shortfall="bound")
    if p.status in ("planned", "solvent"):
        assert _resimulated_low(h, p) >= h.min_balance
    pays = [t for t in p.transactions if t.stream == "bostotte"]
    if pays:
        assert all(t.date >= date(2026, 2, 20) for t in pays)  # never before the first payout


# --------------------------------------------------------------------------- the letters

def test_the_tenants_checklist_names_what_the_application_needs():
    from planner.entitlement.letter import render_entitlement_letter

    h = _scenario(consent_vedtak=True)
    text = render_entitlement_letter(h, date(2026, 1, 1), "tenant", "md").decode()
    for needed in ("Dokumentasjon av inntektene", "Vedtak om andre ytelser", "Husleiekontrakten",
                   "sender sitt vedtak direkte", "7 060,00 kr", "25.01.2026", "20.02.2026", "ikke et vedtak"):
        assert needed in text


def test_the_office_notice_needs_the_tenants_consent_and_its_facts_are_checked():
    from planner.entitlement.letter import render_entitlement_letter
    from planner.factcheck import check_entitlement_facts
    from planner.facts import Fact
    from planner.letters import LetterError

    with pytest.raises(LetterError, match="consent"):
        render_entitlement_letter(_scenario(), date(2026, 1, 1), "office", "md")
    text = render_entitlement_letter(_scenario(consent_notice=True), date(2026, 1, 1), "office", "md").decode()
    assert "Melding om søknad om bostøtte" in text and "7 060,00 kr" in text
    # the checker re-derives the estimate on its own: a wrong figure or date is caught
    h = _scenario()
    bad = [(Fact("entitlement.amount", 6_300_00, "ore"), "6 300,00 kr"),
           (Fact("entitlement.deadline", date(2026, 1, 31), "date"), "31.01.2026"),
           (Fact("entitlement.first_payout", date(2026, 2, 20), "date"), "20.02.2026")]
    problems = check_entitlement_facts(h, date(2026, 1, 1), bad)
    assert [p.key for p in problems] == ["entitlement.amount", "entitlement.deadline"]
    # the figure of the weights before February 2023 (children 0,13: 7 008 kr) is caught as well,
    # the right one (children 0,15: 7 060 kr) is not
    for kr, caught in ((7_008, True), (7_060, False)):
        shown = [(Fact("entitlement.amount", kr * 100, "ore"), f"{kr} kr")]
        assert bool(check_entitlement_facts(h, date(2026, 1, 1), shown)) is caught
    with pytest.raises(LetterError, match="already has bostøtte"):
        render_entitlement_letter(h.model_copy(update={"income": [*h.income, h.income[0].model_copy(
            update={"kind": "bostotte", "name": None})]}), date(2026, 1, 1), "tenant", "md")


def test_the_plans_tenant_letter_names_the_application_and_passes_the_fact_checker():
    from planner.letters import recipients, render_letter
    from planner.solver import plan

    h = _scenario(bostotte_applied=True)
    p = plan(h, as_of=date(2026, 1, 1), time_limit_s=10)
    assert "husbanken" not in recipients(p, h)  # Husbanken's letter is the § 9 transport request, not this
    text = render_letter(h, p, "tenant", "nb", "md").decode()  # refused if a fact does not match the plan
    assert "Send søknaden om bostøtte" in text and "25.01.2026" in text and "7 060,00 kr" in text
    assert "20.02.2026" in text


# --------------------------------------------------------------------------- the plan "if granted"

def test_plan_json_carries_the_plan_if_granted_and_validates_against_the_schema():
    import json

    import jsonschema
    from click.testing import CliRunner
    from conftest import SCENARIOS

    from planner.cli import main

    r = CliRunner().invoke(main, ["plan", str(SCENARIOS / "uten-bostotte.toml"), "--as-of", "2026-01-01",
                                  "--format", "json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    schema = json.loads((SCENARIOS.parent / "docs" / "plan.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    # the plan itself does not count on bostøtte (no application confirmed) ...
    assert doc["status"] == "infeasible" and all(t.get("stream") != "bostotte" for t in doc["transactions"])
    g = doc["if_granted"]
    h = _scenario()
    est = entitlements(h, date(2026, 1, 1)).bostotte
    assert (g["amount_ore"], g["deadline"], g["for_month"], g["first_payout"]) == (
        est.monthly_ore, "2026-01-25", "2026-01", "2026-02-20")
    # ... the plan beside it does, from the first payout, and holds when added up again
    granted = g["plan"]
    assert granted["status"] == "planned" and "if_granted" not in granted
    assert "sok_bostotte" in {i["lever"] for i in granted["interventions"]}
    pays = [t for t in granted["transactions"] if t.get("stream") == "bostotte"]
    assert pays and min(t["date"] for t in pays) == "2026-02-20"
    from planner.cashflow import simulate
    from planner.results import Transaction

    tenant = [Transaction(date.fromisoformat(t["date"]), t["account"], t["kind"], t["amount_ore"], t.get("stream"),
                          t.get("rent_month")) for t in granted["transactions"] if t["account"] == "tenant"]
    opening = h.opening_balance + granted["opening_buffer_ore"]
    low = int(simulate(tenant, h.start, h.end, opening).solvency_series(False).min())
    assert low == granted["min_balance_ore"] and low >= h.min_balance
    # with the lever forbidden there is nothing to show as granted
    r = CliRunner().invoke(main, ["plan", str(SCENARIOS / "uten-bostotte.toml"), "--as-of", "2026-01-01",
                                  "--format", "json", "--forbid", "sok_bostotte"], catch_exceptions=False)
    assert r.exit_code == 0 and "if_granted" not in json.loads(r.output)
    # a plan "if granted" with one of its own is refused by the schema and by the models
    bad = {**doc, "if_granted": {**g, "plan": {**granted, "if_granted": g}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    from planner.io.plan_schema import plan_problem

    assert plan_problem(bad) is not None


def test_no_plan_if_granted_once_the_application_is_confirmed_or_bostotte_is_paid():
    from planner.entitlement import if_granted_plan

    calls = []

    def solve(g):
        calls.append(g)
        return None

    day = date(2026, 1, 1)
    assert if_granted_plan(_scenario(bostotte_applied=True), day, solve) is None
    h = _scenario()
    paid = h.model_copy(update={"income": [*h.income, h.income[0].model_copy(update={"kind": "bostotte", "name": None})]})
    assert if_granted_plan(paid, day, solve) is None and calls == []
    g = if_granted_plan(h, day, solve)
    assert g is not None and g.plan is None and calls[0].entitlement.bostotte_applied
    assert g.to_json()["plan"] is None


def test_the_web_plan_page_shows_the_plan_if_granted_beside_the_plan(tmp_path):
    import re

    pytest.importorskip("fastapi")
    import warnings

    from conftest import SCENARIOS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from planner.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        t = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/import").text).group(1)
        for name in ("uten-bostotte", "lav-inntekt"):
            c.post("/import/toml", files=[("files", (f"{name}.toml", (SCENARIOS / f"{name}.toml").read_bytes()))],
                   data={"csrf_token": t})
        page = c.get("/husstand/uten-bostotte").text
        assert 'id="if-granted"' in page and "Hvis bostøtte søkes og innvilges" in page
        assert re.search(r'id="if-granted-amount">7\s060,00\s*kr<', page.replace("\xa0", " "))
        assert 'id="if-granted-deadline">25.01.2026<' in page and 'id="if-granted-first">20.02.2026<' in page
        listed = page[page.index('id="if-granted-interventions"'):]
        assert "<li>Søknad om bostøtte: " in listed[:listed.index("</ul>")]  # the lever by its Norwegian name
        # the section follows the plan's cards, before the explanation
        assert page.index('id="plan"') < page.index('id="if-granted"') < page.index('id="explanation"')
        # the plan download carries it too, and still validates against the schema
        import json

        import jsonschema

        doc = c.get("/husstand/uten-bostotte/plan.json").json()
        assert doc["if_granted"]["amount_ore"] == 7_060_00 and doc["if_granted"]["plan"]["status"] == "planned"
        jsonschema.validate(doc, json.loads((SCENARIOS.parent / "docs" / "plan.schema.json").read_text(encoding="utf-8")))
        # a household that has bostøtte gets none
        assert 'id="if-granted"' not in c.get("/husstand/lav-inntekt").text
        assert "if_granted" not in c.get("/husstand/lav-inntekt/plan.json").json()


# --------------------------------------------------------------------------- the ledger's flag

def test_ledger_income_limit_by_hand():
    from planner.entitlement.ledger import income_limit_kr

    # rent 8 000 kr, one person, group 4, 2023 rates: approved = the ceiling 78 237; the minimum
    # 56 kr a month needs 666,00 kr a year (55,50 rounds up), a basis of 666 / 73,7 % = 903,66,
    # so an egenandel of at most 77 333,34. At 20 904 kr a month: 250 848 a year; share
    # 139 982 × 16,44 % = 23 013,04; k = 1 + 55 627 // 1 205 = 47, 250 848 × 47 × 0,27 % =
    # 31 832,61; egenandel 77 332,65: paid (904,35 × 73,7 % = 666,51; /12 = 55,54 -> 56).
    # At 20 905: 250 860; 23 015,01 + 31 834,13 + 22 487 = 77 336,14: not paid (55,33 -> 55).
    assert income_limit_kr(800_000, RATES) == 20_904
    assert _case(1, 4, 20_904, 8_000)["paid"] == 5_600 and _case(1, 4, 20_905, 8_000)["paid"] == 0
    # rent 1 800 kr: 21 600 a year is below the minste egenandel 22 487: nothing at any income
    assert income_limit_kr(180_000, RATES) == -1


def test_the_ledger_flags_plan_candidates_whose_draft_has_no_bostotte(tmp_path):
    import csv
    import zipfile

    from planner.entitlement.ledger import ledger_flag
    from planner.ledger.run import LedgerOptions, run_ledger
    from planner.ledger.synth import generate, to_csv

    as_of = date(2026, 12, 20)
    path = tmp_path / "ledger.csv"
    to_csv(generate(40, seed=3), path)
    run_ledger(path, LedgerOptions(out=tmp_path / "out", as_of=as_of))
    with open(tmp_path / "out" / "contact.csv", encoding="utf-8", newline="") as fh:
        contact = list(csv.DictReader(fh))
    with open(tmp_path / "out" / "tenancies.csv", encoding="utf-8", newline="") as fh:
        rent = {r["tenancy"]: int(r["rent_ore"]) for r in csv.DictReader(fh) if r["rent_ore"]}
    candidates = [r for r in contact if r["plan_candidate"] in ("True", "1")]
    assert candidates, "the generated ledger has plan candidates"
    drafts = zipfile.ZipFile(tmp_path / "out" / "drafts.zip")
    for r in contact:
        if r not in candidates:
            assert r["bostotte_ikke_sokt"] == "" and r["bostotte_inntektsgrense_ore"] == ""
            continue
        flag = ledger_flag(rent[r["tenancy"]], as_of)
        assert r["bostotte_ikke_sokt"] == ("ja" if flag.flagged else "")
        if flag.flagged:
            assert int(r["bostotte_inntektsgrense_ore"]) == flag.income_limit_ore > 0
            text = drafts.read(f"{r['tenancy']}.toml").decode()
            assert "# Bostøtte ikke søkt?" in text
            import tomllib

            assert "income" not in tomllib.loads(text)  # the note is comments: the draft stays valid
    txt = (tmp_path / "out" / "contact.txt").read_text(encoding="utf-8")
    assert len(contact) <= 50  # all on this week's list (--top 50)
    assert any(r["bostotte_ikke_sokt"] for r in candidates) == ("Bostøtte ikke søkt?" in txt)
