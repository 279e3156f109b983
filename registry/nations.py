"""The UK nation of a postcode district: each nation has its own checks and regulator (DESIGN.md, trust model 10).

England: DBS and the CQC. Wales: DBS and Care Inspectorate Wales. Scotland:
PVG scheme membership (Disclosure Scotland) and the Care Inspectorate.
Northern Ireland: AccessNI and RQIA. A provider's nation follows from the
district of its postcode (``Provider.nation``, stored whenever the postcode
is), so both forms of the listing rule read it cheaply.

Where the data comes from: Royal Mail's postcode areas and districts as the
ONS Postcode Directory places them in countries (Open Government Licence
v3), read at district level. Most postcode areas lie wholly in one nation.
The areas that cross a border are settled district by district below;
where a district itself straddles the border it goes to the nation where
most of its addresses are, and the comment says so. A provider near such a
line whose address is in the other nation can say so to an officer, who can
correct ``nation`` (the rule reads the column, not the postcode).

This module imports nothing from the registry: it is data and one lookup.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Nation(StrEnum):
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"


def N_(message: str) -> str:
    """Marks a name for the Welsh catalog (as :func:`registry.i18n.N_` does; this module imports nothing)."""
    return message


NATION_NAMES = {
    Nation.ENGLAND: N_("England"),
    Nation.WALES: N_("Wales"),
    Nation.SCOTLAND: N_("Scotland"),
    Nation.NORTHERN_IRELAND: N_("Northern Ireland"),
}

# Postcode areas wholly (at district level) in one nation: every area with a geographic district.
_ENGLAND = {
    "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "CA", "CB", "CH", "CM", "CO", "CR", "CT", "CV",
    "CW", "DA", "DE", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EN", "EX", "FY", "GL", "GU", "HA", "HD", "HG",
    "HP", "HR", "HU", "HX", "IG", "IP", "KT", "L", "LA", "LE", "LN", "LS", "LU", "M", "ME", "MK", "N", "NE",
    "NG", "NN", "NR", "NW", "OL", "OX", "PE", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SE", "SG", "SK", "SL",
    "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W",
    "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO",
}  # fmt: skip
_SCOTLAND = {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE"}
_WALES = {"CF", "LD", "LL", "NP", "SA"}
_NORTHERN_IRELAND = {"BT"}
_AREAS: dict[str, Nation] = {
    **{area: Nation.ENGLAND for area in _ENGLAND},
    **{area: Nation.SCOTLAND for area in _SCOTLAND},
    **{area: Nation.WALES for area in _WALES},
    **{area: Nation.NORTHERN_IRELAND for area in _NORTHERN_IRELAND},
}
# Not here: JE, GY and IM (Jersey, Guernsey, the Isle of Man) are Crown Dependencies, not part of the UK.
# None of the four regimes applies there, so they have no nation, and the registry cannot list anyone
# there for a service that needs a background check or a regulator.
# Districts of areas that cross a border, in the other nation than their area:
_EXCEPTIONS: dict[str, Nation] = {
    # CH (Chester): CH1-CH4 and the Wirral (CH25-CH66) are in England; CH5 (Deeside), CH6 (Flint),
    # CH7 (Mold, Buckley) and CH8 (Holywell) in Flintshire, Wales. CH4 straddles (Saltney, Broughton
    # and Penyffordd are in Wales) and goes with Chester.
    **{f"CH{n}": Nation.WALES for n in range(5, 9)},
    # SY (Shrewsbury): SY1-SY14 are in Shropshire and Cheshire, England (SY10 and SY13 reach into Wales
    # at Llansilin and Hanmer, most of their addresses are in England); SY15-SY25 (Montgomery, Newtown,
    # Llanidloes, Machynlleth, Welshpool, Aberystwyth, Tregaron) are in Powys and Ceredigion, Wales.
    **{f"SY{n}": Nation.WALES for n in range(15, 26)},
    # TD (Galashiels): all Scottish Borders except TD15, Berwick-upon-Tweed, in Northumberland, England.
    # TD12 (Coldstream) reaches into Northumberland at Cornhill and Wark; most of it is in Scotland.
    "TD15": Nation.ENGLAND,
}
# Checked and left whole: LD (Powys; LD7 Knighton and LD8 Presteigne touch Shropshire and
# Herefordshire), LL (North Wales), NP (Gwent; NP16 Chepstow and NP25 Monmouth touch Gloucestershire)
# and SA are Wales; HR (Herefordshire; HR3 includes Hay-on-Wye in Powys, most of HR3 is in England),
# GL (Gloucestershire), CA (Cumbria) and NE (Northumberland) are England; DG (Dumfries and Galloway,
# DG16 Gretna included) is Scotland.

_DISTRICT = re.compile(r"^([A-Z]{1,2})[0-9][A-Z0-9]?$")


def nation_of(outcode: str | None) -> Nation | None:
    """The nation of a postcode district ("EH1", "TD15"), or None for none (no district, a Crown Dependency, garbage)."""
    district = re.sub(r"\s+", "", outcode or "")
    if not district.isascii():  # "ß1".upper() is "SS1": only ASCII letters make a district
        return None
    district = district.upper()
    match = _DISTRICT.match(district)
    if not match:
        return None
    if district in _EXCEPTIONS:
        return _EXCEPTIONS[district]
    return _AREAS.get(match.group(1))  # None for a Crown Dependency or an area that does not exist
