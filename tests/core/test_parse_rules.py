"""Targeted parse rules: decision outcomes, votes, protocol notes, case numbers, attendance.

Decision strings are copied from the corpus gold files (source noted beside each).
"""
from __future__ import annotations

import pytest

from core_support import ALL_STEMS, load_gold
from pipeline.parse.attendance import absent_items, split_absence
from pipeline.parse.case_numbers import bare_case_number, labelled_case_number, parse_case_number
from pipeline.parse.decisions import classify_outcome, parse_votes, protocol_notes

# ----------------------------------------------------------------------------- outcomes
OUTCOME_CASES = [
    # approved
    ("Indstillingen godkendt", "approved"),  # ballerup 2
    ("Indstilles til godkendelse", "approved"),  # ballerup 3
    ("Godkendt som indstillet.", "approved"),  # east-0006 134
    ("Anbefales over for Byrådet.", "approved"),  # capital-0008 3
    ("Dagsordenen blev godkendt.", "approved"),  # greve-oekonomiudvalget-2022-01-10 1
    ("Økonomiudvalget anbefaler overfor byrådet at administrationens indstilling godkendes.", "approved"),
    ("Indstillingen blev godkendt. Protokollat: Socialdemokratiet ønsker ført til protokol, at sagen burde "
     "have været sendt i høring i lokalrådene.", "approved"),  # classic-0005 112: the note does not count
    ("Økonomiudvalget anbefaler overfor Byrådet at Sundheds- og Omsorgsudvalgets indstilling godkendes, idet det "
     "præciseres at der sker en løbende orientering om nye og afviste leverandører i fagudvalget.",
     "approved"),  # greve-oekonomiudvalget-2022-08-29 16
    ("Økonomiudvalget anbefaler overfor Byrådet at administrationens indstilling godkendes, med den præcisering, "
     "at kommunen kan anvende hele eller dele af arealet til andet end klimatilpasning.",
     "approved"),  # greve-oekonomiudvalget-2022-10-24 6
    # approved_with_changes
    ("Godkendt med den ændring, at høringsperioden fastsættes til 8 uger.", "approved_with_changes"),  # east-0006 138
    ("Indstillingen godkendt med denne bemærkning: Gruppen af unge i Ballerup Kommune også får adgang til at "
     "bruge lokalerne på Solvej 6.", "approved_with_changes"),  # ballerup 7
    ("Anbefales med den ændring, at der laves en særskilt sag om anlæg.", "approved_with_changes"),  # capital-0003 11
    # noted
    ("Taget til efterretning", "noted"),  # ballerup 1
    ("Orienteringen blev taget til efterretning.", "noted"),
    ("Udvalget tog orienteringen til efterretning.", "noted"),  # east-0002 60
    ("Orienteringen blev taget til efterretning med bemærkning om at udvalget til næste møde ønsker et konkret "
     "initiativ som kan bidrage til yderligere arbejdskraft", "noted"),  # greve beskaeftigelse 2022-01-10 5
    ("Udvalget tog orienteringen til efterretning med følgende bemærkninger: Udvalget glæder sig over, at så "
     "mange forskellige aktører har budt ind med aktiviteter, og at så mange børn har fået gavn af "
     "sommerferieaktiviteterne.", "noted"),  # greve-kultur-og-fritidsudvalget-2022-10-12 2
    # discussed
    ("Drøftet. Udvalget ønsker en temadrøftelse i december.", "discussed"),  # capital-0008 2
    ("Drøftelse genoptages på næste møde.", "discussed"),  # east-0002 57
    ("1.-2. Drøftet.", "discussed"),  # greve klima 2022-08-18 16
    # postponed
    ("Sagen blev udsat til næste udvalgsmøde.", "postponed"),  # greve klima 2022-06-02 31
    ("Sagen udsættes til næste møde, da der er kommet nye oplysninger.", "postponed"),
    ("Punktet udsættes til næste møde idet Økonomiudvalget ønsker yderligere oplysninger vedr. GDPR ifm. "
     "fotografering og optagelser i Byrådssalen.", "postponed"),
    # rejected
    ("Forkastet. For stemte: C (1). Imod stemte: F, Ø (2). Undlod at stemme: A (1).", "rejected"),  # classic-0005
    ("Der blev begæret afstemning om indstillingen. For stemte 3 medlemmer: A, C og Ø. Imod stemte 5 medlemmer: "
     "F, O, B og L. Indstillingen blev forkastet.", "rejected"),  # capital-0002 3
    ("Ikke godkendt. For stemte: O (1). Imod stemte: A (3).", "rejected"),  # east-0004 6
    ("Indstillingen blev sat til afstemning. For stemte: F, K (2). Imod stemte: A, Ø (3). Undlod at stemme: V (3). "
     "Indstillingen blev ikke godkendt.", "rejected"),  # classic-0004 123
    # other
    ("Sagen sendes videre til Plan- og Boligudvalget med henblik på en samlet vurdering.", "other"),
    ("Udvalgsmedlemmer deltager, hvor det er muligt.", "other"),  # east-0006 136
    ("Intet.", "other"),  # east-0006 139
    ("Der var ingen orienteringer", "other"),  # greve social 2022-01-10 5
    ("Temamødet blev holdt.", "other"),  # greve byraad 2022-01-31 2
    # none
    (None, "none"),
    ("", "none"),
    (" . ", "none"),
]


@pytest.mark.parametrize("text, outcome", OUTCOME_CASES, ids=[f"{o}-{k}" for k, (t, o) in enumerate(OUTCOME_CASES)])
def test_classify_outcome_on_gold_strings(text, outcome):
    assert classify_outcome(text) == outcome


@pytest.mark.parametrize("outcome", ["approved", "approved_with_changes", "noted", "discussed", "rejected",
                                     "other", "none"])
def test_outcome_on_parsed_pdfs(parsed_docs, outcome):
    """Every fixture item whose gold outcome is `outcome` gets that outcome from the parser."""
    checked, wrong = 0, []
    for stem in ALL_STEMS:
        parsed = {i.number: i for i in parsed_docs[stem].meeting.items}
        for g in load_gold(stem)["items"]:
            if g.get("decision_outcome", None) != outcome:
                continue
            item = parsed.get(g["number"])
            got = item.decision.outcome if item is not None and item.decision else "none"
            checked += 1
            if got != outcome:
                wrong.append(f"{stem} item {g['number']}: {got}")
    assert checked, f"no fixture item with gold outcome {outcome}"
    assert not wrong, wrong


# ----------------------------------------------------------------------------- votes and notes
def test_votes_colon_form():
    votes = parse_votes("For stemte: A, C, F (5). Imod stemte: V (3). Undlod at stemme: Ø (1).")
    assert votes.as_gold() == {"for": ["A", "C", "F"], "against": ["V"], "abstain": ["Ø"]}


def test_votes_member_count_form():
    votes = parse_votes("For stemte 4 medlemmer: A og V.")
    assert votes.as_gold() == {"for": ["A", "V"], "against": [], "abstain": []}


@pytest.mark.parametrize("text, expected", [
    ("Der blev begæret afstemning om indstillingen. For stemte 4 medlemmer: A og V. Imod stemte 1 medlem: C. "
     "Hverken for eller imod stemte 1 medlem: K. Indstillingen blev godkendt.",
     {"for": ["A", "V"], "against": ["C"], "abstain": ["K"]}),  # capital-0003 9
    ("Indstillingen blev sat til afstemning. For stemte: A, V, F (3). Imod stemte: B (2). Anbefales over for Byrådet.",
     {"for": ["A", "V", "F"], "against": ["B"], "abstain": []}),  # classic-0002 126
    ("Indstillingen blev godkendt. For stemte: A, D (4). Imod stemte: F (1).",
     {"for": ["A", "D"], "against": ["F"], "abstain": []}),  # east-0006 135
])
def test_votes_gold_strings(text, expected):
    assert parse_votes(text).as_gold() == expected


@pytest.mark.parametrize("text", ["Godkendt.", "Indstillingen blev godkendt for så vidt angår punkt 1.",
                                  "Anbefales over for Byrådet.", None])
def test_no_votes_without_a_vote(text):
    assert parse_votes(text) is None


def test_votes_on_parsed_pdfs(parsed_docs):
    item = {i.number: i for i in parsed_docs["classic-0005"].meeting.items}[113]
    assert item.decision.votes.as_gold() == {"for": ["C"], "against": ["F", "Ø"], "abstain": ["A"]}
    item = {i.number: i for i in parsed_docs["capital-0008"].meeting.items}[1]
    assert item.decision.votes.as_gold() == {"for": ["A", "V", "I", "K"], "against": ["Ø"], "abstain": []}
    unvoted = [i for i in parsed_docs["capital-0008"].meeting.items if i.number != 1]
    assert all(i.decision is None or i.decision.votes is None for i in unvoted)


def test_protocol_notes_are_separate_rows():
    text = ("Forkastet. For stemte: A (1). Imod stemte: V, F (2). Protokollat: Venstre ønsker ført til protokol, "
            "at sagen burde have været sendt i høring i lokalrådene.")  # classic-0009 143
    notes = protocol_notes(text)
    assert [n.kind for n in notes] == ["protokollat"]
    assert notes[0].text.startswith("Protokollat: Venstre ønsker ført til protokol")
    text = ("Der blev begæret afstemning om indstillingen. For stemte 3 medlemmer: A. Imod stemte 4 medlemmer: "
            "V, F og D. Indstillingen blev forkastet. Mindretalsudtalelse: V kan ikke godkende indstillingen, da der "
            "ikke er anvist finansiering.")  # capital-0005 9
    notes = protocol_notes(text)
    assert [n.kind for n in notes] == ["mindretalsudtalelse"]
    assert "ikke er anvist finansiering" in notes[0].text
    assert classify_outcome(text) == "rejected"
    assert protocol_notes("Godkendt.") == []


def test_protocol_note_on_parsed_pdf(parsed_docs):
    items = {i.number: i for i in parsed_docs["classic-0005"].meeting.items}
    for number, party in ((112, "Socialdemokratiet"), (113, "F")):
        notes = items[number].decision.notes
        assert [n.kind for n in notes] == ["protokollat"], number
        assert notes[0].text.startswith(f"Protokollat: {party} ønsker ført til protokol")
    assert items[112].decision.outcome == "approved"
    assert items[114].decision.notes == []


# ----------------------------------------------------------------------------- case numbers
def test_kle_case_number_parts():
    case = parse_case_number("27.00.00-A00-19-20")
    assert (case.printed, case.scheme, case.main_group, case.group, case.subject, case.facet, case.serial, case.year) \
        == ("27.00.00-A00-19-20", "kle", "27", "27.00", "27.00.00", "A00", "19", "20")


@pytest.mark.parametrize("printed, facet", [("18.15.00-Ø00-11-20", "Ø00"), ("00.15.00-Æ35-1-20", "Æ35"),
                                            ("29.09.00-Å01-2-17", "Å01")])
def test_kle_facet_with_danish_letters(printed, facet):
    case = parse_case_number(f"Sagsnr.: {printed}")
    assert case.printed == printed and case.scheme == "kle" and case.facet == facet
    assert case.subject == printed[:8]


@pytest.mark.parametrize("text, printed, scheme, year, serial", [
    ("EMN-2025-003383", "EMN-2025-003383", "emn", "2025", "003383"),
    ("21-014448", "21-014448", "year-serial", "21", "014448"),
    ("21/12345", "21/12345", "slash", "21", "12345"),
    ("2010-3082", "2010-3082", "year-serial", "2010", "3082"),
    ("2023-0162233", "2023-0162233", "year-serial", "2023", "0162233"),
])
def test_other_case_number_forms(text, printed, scheme, year, serial):
    case = parse_case_number(text)
    assert (case.printed, case.scheme, case.year, case.serial) == (printed, scheme, year, serial)
    assert bare_case_number(text).printed == printed


def test_labelled_case_numbers_and_document_numbers():
    assert labelled_case_number("Sagsnr.: 2010-3082").printed == "2010-3082"
    assert labelled_case_number("Sag nr. 21/12345").printed == "21/12345"
    assert labelled_case_number("Dok.nr.: 2012-202935") is None
    assert labelled_case_number("Mødested: Rådhuset") is None
    assert parse_case_number("Mødet sluttede 12.30.00") is None  # a bare dd.dd.dd is no KLE number
    assert parse_case_number("ingen tal her") is None


@pytest.mark.parametrize("stem, number, printed, scheme, facet", [
    ("agenda-classic-0001", 99, "18.15.00-Ø00-11-20", "kle", "Ø00"),
    ("classic-0005", 112, "27.00.00-A00-14-22", "kle", "A00"),
    ("ballerup-sundhed-2012-12-04", 8, "2010-3082", "year-serial", None),
    ("greve-oekonomiudvalget-2022-01-10", 1, "21-014439", "year-serial", None),
    ("east-0006", 134, "20/22066", "slash", None),
    ("capital-0008", 1, "2023-0162233", "year-serial", None),
])
def test_case_numbers_on_parsed_pdfs(parsed_docs, stem, number, printed, scheme, facet):
    item = {i.number: i for i in parsed_docs[stem].meeting.items}[number]
    assert item.case_number is not None
    assert (item.case_number.printed, item.case_number.scheme, item.case_number.facet) == (printed, scheme, facet)


def test_ballerup_document_number_is_not_the_case_number(parsed_docs):
    items = parsed_docs["ballerup-sundhed-2012-12-04"].meeting.items
    assert [i.case_number.printed for i in items] == [g["case_number"] for g in
                                                      load_gold("ballerup-sundhed-2012-12-04")["items"]]
    assert not any(i.case_number.printed.startswith("2012-20") for i in items)  # Dok.nr. 2012-202935 etc.


# ----------------------------------------------------------------------------- attendance
ITEMS_82_89 = list(range(82, 90))


@pytest.mark.parametrize("note, numbers, expected", [
    ("deltog ved punkterne 82, 88 og 89", ITEMS_82_89, {83, 84, 85, 86, 87}),
    ("deltog ikke i behandlingen af punkt 45", [43, 44, 45, 46], {45}),
    ("forlod mødet kl. 20.20 efter punkt 51", [49, 50, 51, 52, 53], {52, 53}),
    ("deltog fra kl. 19.00 under behandlingen af punkt 124", [121, 122, 123, 124, 125], {121, 122, 123}),
    ("deltog kun ved punkt 12", [10, 11, 12, 13], {10, 11, 13}),
    ("deltog ikke i behandlingen af punkterne 128 og 136", list(range(126, 138)), {128, 136}),
    ("deltog ved punkterne 2, 3 og 4", [1, 2, 3, 4, 5], {1, 5}),
])
def test_absent_items_from_qualifier(note, numbers, expected):
    assert absent_items(note, numbers) == expected


@pytest.mark.parametrize("note", [None, "", "syg"])
def test_absent_items_without_item_numbers_means_all(note):
    assert absent_items(note, [1, 2, 3]) is None


def test_split_absence_keeps_qualifier():
    members = ["Torben Holm-Jensen", "Birgit Jakobsen"]
    found = split_absence("Birgit Jakobsen deltog ved punkterne 82, 88 og 89", members)
    assert [(a.name, a.note) for a in found] == [("Birgit Jakobsen", "deltog ved punkterne 82, 88 og 89")]
    assert split_absence("Ingen", members) == []


def _absent_by_item(parsed_docs, stem) -> dict[int, list[str]]:
    return {i.number: sorted(i.absent) for i in parsed_docs[stem].meeting.items}


def test_meeting_level_partial_presence_capital(parsed_docs):
    """'Signe Møller Jakobsen (K) deltog ved punkterne 1, 2 og 3.' => absent from item 4 only."""
    absent = _absent_by_item(parsed_docs, "capital-0008")
    assert absent == {1: [], 2: [], 3: [], 4: ["Signe Møller Jakobsen"]}
    meeting = parsed_docs["capital-0008"].meeting
    assert [(a.name, a.note) for a in meeting.absent] == [("Signe Møller Jakobsen", "deltog ved punkterne 1, 2 og 3")]


def test_did_not_take_part_in_one_item_classic(parsed_docs):
    """'Poul Damgaard Lyngsø deltog ikke i behandlingen af punkt 112' + 'Fraværende: Kristian Bæk'."""
    absent = _absent_by_item(parsed_docs, "classic-0005")
    assert absent[112] == ["Kristian Bæk", "Poul Damgaard Lyngsø"]
    for number in (111, 113, 114, 115, 116):
        assert absent[number] == ["Kristian Bæk"], number
    meeting = parsed_docs["classic-0005"].meeting
    notes = {a.name: a.note for a in meeting.absent}
    assert notes == {"Kristian Bæk": None, "Poul Damgaard Lyngsø": "deltog ikke i behandlingen af punkt 112"}


def test_item_level_absence_line_is_not_decision_text(parsed_docs):
    for item in parsed_docs["classic-0005"].meeting.items:
        if item.decision and item.decision.text:
            assert "Fraværende" not in item.decision.text, item.number
    items = {i.number: i for i in parsed_docs["classic-0005"].meeting.items}
    assert items[114].decision.text == "Taget til efterretning."


def test_arrived_during_item_east(parsed_docs):
    """'Afbud Gunnar Mikkelsen (deltog fra kl. 15.50 under behandlingen af punkt 57)' => absent 53-56."""
    absent = _absent_by_item(parsed_docs, "east-0002")
    assert {n for n, names in absent.items() if "Gunnar Mikkelsen" in names} == {53, 54, 55, 56}


def test_greve_whole_meeting_absence(parsed_docs):
    meeting = parsed_docs["greve-oekonomiudvalget-2022-01-10"].meeting
    assert [(a.name, a.note) for a in meeting.absent] == [("Mehmet Zeki Dogru", None)]
    absent = _absent_by_item(parsed_docs, "greve-oekonomiudvalget-2022-01-10")
    assert all(absent[n] == ["Mehmet Zeki Dogru"] for n in (1, 2, 3))


@pytest.mark.parametrize("printed, committee", [
    ("REFERAT Økonomiudvalget d. 09-05-2022", "Økonomiudvalget"),
    ("REFERAT Byråd 2022-2025 d. 27-10-2022", "Byråd 2022-2025"),
    ("REFERAT Klima-, Teknik- og Miljøudvalget d. 04-04-2022", "Klima-, Teknik- og Miljøudvalget"),
    ("fra ordinært møde i Udvalget for Teknik og Klima", "Udvalget for Teknik og Klima"),
    ("Ballerup Kommune Udvalget for Teknik og Klima - Referat", "Udvalget for Teknik og Klima"),
    ("Beslutningsprotokol for Teknisk Udvalg", "Teknisk Udvalg"),
    ("Referat af møde i Ældrerådet", "Ældrerådet"),
])
def test_committee_names_in_titles_and_headers(printed, committee):
    from pipeline.parse.metadata import _committee_from

    assert _committee_from(printed) == committee
