"""The one citation format the course uses, as named patterns.

A scenario step's `citations:` entries must each match one pattern whole; a rationale
must name at least one source (`mentions_a_source`). Examples of each form:

    statute        NRS 629.550(1)            8 U.S.C. 1367(a)(2)       NAC 641B.210
    regulation     45 CFR 164.512(j)(1)(i)   42 CFR 2.12               8 CFR 214.200 et seq.
    constitution   Nev. Const. art. 1, § 8A
    session law    SB 70 (Nevada 2021), Statutes of Nevada 2021, ch. 481
    federal reg.   89 FR 12472 (2024)
    ethics code    NASW Code of Ethics 1.07(c)   APA Ethics Code 4.05(b)   ACA Code of Ethics B.2.a
    case           Bradley v. Eighth Judicial District Court, 405 P.3d 668 (Nev. 2017)
    publication    SAMHSA, Concept of Trauma and Guidance for a Trauma-Informed Approach,
                   HHS Publication No. (SMA) 14-4884 (2014)
    form           USCIS Form I-918 Supplement B
"""

from __future__ import annotations

import re

_PARENS = r"(?:\([A-Za-z0-9]+\))*"
_RANGE = rf"(?:-{_PARENS}[\d.]*{_PARENS})?"  # "(1)-(2)" or "2.61-2.67"
_SECTION = rf"\d+(?:\.\d+)?{_PARENS}"  # "43.92(b)", "11166(a)", "491.0147(2)"
PATTERNS: dict[str, str] = {
    "nevada statute": rf"NRS \d+[A-Z]?\.\d+{_PARENS}{_RANGE}",
    "nevada regulation": rf"NAC \d+[A-Z]?\.\d+{_PARENS}",
    "federal statute": rf"\d+ U\.S\.C\. (?:§ )?\d+[a-z]?{_PARENS}{_RANGE}",
    "federal regulation": rf"\d+ CFR (?:Part \d+|\d+\.\d+{_PARENS}{_RANGE})(?: et seq\.)?",
    "federal register": r"\d+ FR \d+ \((?:[A-Z][a-z]{2}\.? \d{1,2}, )?\d{4}\)",
    "nevada session law": r"[SA]B \d+ \(Nevada \d{4}\), Statutes of Nevada \d{4}, ch\. \d+",
    "california statute": rf"Cal\. (?:Civ\.|Penal|Evid\.|Welf\. & Inst\.|Bus\. & Prof\.) Code {_SECTION}",
    "texas statute": rf"Tex\. (?:Health & Safety|Fam\.|Occ\.) Code {_SECTION}",
    "florida statute": rf"Fla\. Stat\. {_SECTION}",
    "state session law": r"(?:SB|AB|HB) \d+ \((?:California|Texas|Florida) \d{4}\)",
    "nevada constitution": r"Nev\. Const\. art\. \d+, § \d+[A-Z]?",
    "ethics code": rf"(?:NASW Code of Ethics|APA Ethics Code|ACA Code of Ethics|AAMFT Code of Ethics) "
                   rf"[A-Z]?\d*\.?\d+(?:\.[a-z])?{_PARENS}{_RANGE}",
    "case": r"[A-Z][\w.'& -]+ v\. [A-Z][\w.,'& -]+, \d+ [A-Z][\w.]*(?: [A-Z][\w.]*)* \d+ \((?:[\w.]+ )?\d{4}\)",
    "publication": r"(?:SAMHSA|HHS|ACF|USCIS|NHTTAC)[\w ]*, [^()]+(?:\([A-Z]+\) [\d-]+ )?"
                   r"\((?:[A-Z][a-z]{2}\.? \d{1,2}, )?\d{4}\)",
    "form": r"USCIS Form I-\d+(?: Supplement [A-Z])?",
}

_WHOLE = {name: re.compile(rf"^{p}$") for name, p in PATTERNS.items()}
# What a rationale or a teaching sentence must contain: a recognisable source.
_MENTION = re.compile(
    r"NRS \d+[A-Z]?\.\d+|NAC \d+[A-Z]?\.\d+|\d+ U\.S\.C\. (?:§ )?\d+|\d+ CFR (?:Part )?\d+|Nev\. Const\.|"
    r"(?:NASW Code of Ethics|APA Ethics Code|ACA Code of Ethics|AAMFT Code of Ethics) [A-Z]?\.?\d|"
    r"\b[A-Z][a-z]+ v\. [A-Z]|\(SMA\) [\d-]+|USCIS Form I-\d+|"
    r"(?:Cal|Tex)\. [A-Z][\w.& ]* Code \d|Fla\. Stat\. \d"
)
# The forms that are one state's own law, by the state's two-letter code (cases are left out: a
# court's opinion, like Tarasoff's, is taught as background in every state's edition).
STATE_OF_FORM = {"nevada statute": "NV", "nevada regulation": "NV", "nevada session law": "NV",
                 "nevada constitution": "NV", "california statute": "CA", "texas statute": "TX",
                 "florida statute": "FL"}
_STATE_LAW_IN_TEXT = {"NV": r"\bNRS \d|\bNAC \d|Nev\. Const\.|Statutes of Nevada",
                      "CA": r"\bCal\. [A-Z][\w.& ]* Code \d", "TX": r"\bTex\. [A-Z][\w.& ]* Code \d",
                      "FL": r"\bFla\. Stat\. \d"}


def citation_form(cite: str) -> str | None:
    """The name of the form `cite` follows ('nevada statute', 'case', ...), or None."""
    return next((name for name, pattern in _WHOLE.items() if pattern.match(cite)), None)


def state_of(cite: str) -> str | None:
    """The state whose own law `cite` is ('NV', 'CA', ...), or None (federal law, codes, cases)."""
    form = citation_form(cite)
    if form == "state session law":
        return {"California": "CA", "Texas": "TX", "Florida": "FL"}[re.search(r"\((\w+) ", cite)[1]]
    return STATE_OF_FORM.get(form or "")


def state_law_named(text: str) -> set[str]:
    """The states whose statutes or rules `text` cites ({'NV'} for 'see NRS 629.550')."""
    return {state for state, pattern in _STATE_LAW_IN_TEXT.items() if re.search(pattern, text)}


def mentions_a_source(text: str) -> bool:
    """True if the text names at least one statute, regulation, code, case or publication."""
    return bool(_MENTION.search(text))


FORMAT_HELP = ("one of: 'NRS 629.550(1)', '45 CFR 164.512(j)(1)(i)', '34 U.S.C. 12291(b)(2)', "
               "'Nev. Const. art. 1, § 8A', 'NASW Code of Ethics 1.07(c)', 'APA Ethics Code 4.05(b)', "
               "'ACA Code of Ethics B.2.a', 'Name v. Name, 405 P.3d 668 (Nev. 2017)', "
               "'SAMHSA, Title, HHS Publication No. (SMA) 14-4884 (2014)', 'USCIS Form I-918 Supplement B'")
