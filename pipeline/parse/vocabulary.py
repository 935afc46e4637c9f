"""Danish vocabulary of minutes: section headings, labels and cue words.

Headings are matched fuzzily (rapidfuzz) so spelling variants and typos still count; the
lists come from ../shared/docs/danish-minutes.md and the publishing systems' own templates.
"""
from __future__ import annotations

# kind -> printed variants (lower case). Order matters only for readability.
SECTION_HEADINGS: dict[str, list[str]] = {
    "issue": ["beslutningstema", "resume", "resumé", "sammendrag", "sagens kerne", "problemstilling",
              "formål", "kort fortalt", "hvad skal besluttes", "baggrund for sagen", "sagens baggrund",
              "indledning", "emne"],
    "solution": ["løsning", "forslag til løsning"],
    "body": ["sagsfremstilling", "sagsbeskrivelse", "beskrivelse af sagen", "baggrund", "fremstilling",
             "sagens indhold", "beskrivelse", "redegørelse", "vurdering", "sagens fakta", "sagsfremstilling og vurdering",
             "administrationens vurdering", "forvaltningens vurdering", "faglig vurdering", "supplerende sagsfremstilling"],
    "history": ["historik", "sagshistorik", "tidligere beslutninger", "sagens forløb", "sagsforløb",
                "tidligere behandling", "tidligere politisk behandling", "politisk behandling"],
    "economy": ["økonomi", "økonomiske konsekvenser", "økonomiske forhold og konsekvenser",
                "økonomiske konsekvenser og finansiering", "bevillingsmæssige konsekvenser", "finansiering",
                "økonomi og finansiering", "økonomiske forhold", "bevilling"],
    "law": ["lovgrundlag", "retsgrundlag", "juridiske forhold", "lovgivning", "juridisk vurdering", "hjemmel"],
    "competence": ["beslutningskompetence", "kompetence", "beslutningen træffes af", "kompetenceforhold",
                   "kompetencefordeling"],
    "procedure": ["sagsprocedure", "høring", "videre proces", "tidsplan", "kommunikation", "proces",
                  "inddragelse", "borgerinddragelse", "det videre forløb", "opfølgning", "implementering",
                  "høringssvar", "udtalelser", "sagen afgøres af"],
    "consequences": ["konsekvenser", "miljømæssige konsekvenser", "personalemæssige konsekvenser",
                     "klimamæssige konsekvenser", "konsekvensvurdering", "sundhedsmæssige konsekvenser",
                     "administrative konsekvenser", "klima og miljø", "bæredygtighed", "klimavurdering",
                     "risikovurdering", "forebyggelse", "relation til politikker og strategier", "strategisk sammenhæng"],
    "recommendation": ["indstilling", "indstillinger", "forslag til beslutning", "beslutningspunkter",
                       "forvaltningens indstilling", "administrationens indstilling", "direktionens indstilling",
                       "indstilling og beslutning", "forslag", "det indstilles"],
    "decision": ["beslutning", "beslutninger", "afgørelse", "udvalgets beslutning", "byrådets beslutning",
                 "kommunalbestyrelsens beslutning", "beslutning i udvalget", "beslutning i byrådet"],
    "attachments": ["bilag", "bilagsliste", "bilagsfortegnelse", "vedlagte bilag", "bilagsoversigt"],
    "attendance": ["fraværende", "afbud", "fraværende med afbud", "til stede", "tilstede", "deltagere"],
}

KIND_OF_VARIANT: dict[str, str] = {v: k for k, vs in SECTION_HEADINGS.items() for v in vs}

# Meeting front matter labels -> field.
FRONT_LABELS: dict[str, list[str]] = {
    "date": ["mødedato", "dato", "møde dato", "afholdt den", "afholdt"],
    "time": ["mødetidspunkt", "mødetid", "tidspunkt", "kl", "starttidspunkt", "mødestart"],
    "end": ["mødet sluttede", "mødet hævet", "mødet slut", "sluttidspunkt", "mødeslut", "mødet afsluttet"],
    "location": ["mødested", "sted", "lokale", "mødelokale"],
    "members": ["deltagere", "medlemmer", "tilstede", "til stede", "fremmødte", "udvalgsmedlemmer", "deltager"],
    "absent": ["fraværende", "afbud", "fraværende med afbud", "afbud/fraværende", "fravær", "ikke til stede"],
    "remarks": ["bemærkninger", "bemærkning", "bemærk"],
    "committee": ["udvalg", "forum", "organ"],
    "secretary": ["sekretær", "referent", "protokolfører"],
}

DOCUMENT_TYPE_WORDS = {
    "referat": ["referat", "beslutningsprotokol", "protokol", "åbent referat", "beslutninger"],
    "dagsorden": ["dagsorden", "åben dagsorden", "indkaldelse", "mødeindkaldelse"],
}

# Standing items that carry no decision by nature (no warning when a referat has none for them).
ITEMS_WITHOUT_DECISION = ["underskriftsark", "underskriftsside", "underskrifter", "digital underskrift",
                          "digital godkendelse af referat", "godkendelse af referat", "underskrift af protokol"]
