"""Reading a decision: what the deciding body did as a whole, who voted how, what was put on record,
and whether it departs from the recommendation.

The Danish phrasings are data (pipeline/parse/lexicon/decisions.json and parties.json), loaded by
`DecisionLexicon` and compiled once into regular expressions. The one entry point is `read_decision`.

How a decision text is read:
- it is split into sentences; a sentence whose subject is a party or named member ("(F) og (Ø) kunne
  ikke tiltræde …", "Bjarke Abel (A) undlod at tage stilling") or that lists a vote ("For stemte: …")
  says how members voted, not what the body decided, so it gives votes and never the outcome;
- quoted statements and the words after "med bemærkning om" are remarks, not the decision;
- the body's own sentences give outcome cues (approved, rejected, changes, postponed, noted, …) and the
  outcome is what they say together: approvals beside rejections/changes/postponements of other points
  are `approved_with_changes`; nothing recognisable is `other` (say less rather than wrong).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.model import Decision, ProtocolNote, Votes

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
DECISIONS_FILE = "decisions.json"
PARTIES_FILE = "parties.json"
SIDES = ("for", "against", "abstain")
NOTE_KINDS = ("mindretalsudtalelse", "protokollat", "forbehold", "bemaerkning")
# outcomes after which "deviates from the recommendation" is known to be true / false
_DEVIATING = {"rejected", "approved_with_changes", "postponed"}

# Typography, not wording: how a sentence ends, how a person's name and a list of voters are printed.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ(\d\"”“])"
                           # a point number inside a line ("… 3. anbefales 4. anbefales ikke") starts a new point
                           r"|\s+(?=\d{1,2}[a-z]?\.(?:\s*[-–]\s*\d{1,2}[a-z]?\.)?\s+"
                           r"(?:[a-zæøå]+e[st]\b|[A-ZÆØÅ]))")
_INITIAL_END = re.compile(r"\b[A-ZÆØÅ][a-zæøå]+\s+[A-ZÆØÅ]\.$")
_NUMBERING = re.compile(r"^(?:\d+[a-z]?\s*[.)](?:\s*[-–]\s*\d+[a-z]?\s*[.)])?\s*)+")
_QUOTED = re.compile(r"[”“\"„][^”“\"„]{0,2000}[”“\"]")
_WORD = r"[A-ZÆØÅ][a-zæøåäöüéè]+(?:-[A-ZÆØÅ][a-zæøåäöüéè]+)?"
_NAME = rf"{_WORD}(?:\s+(?:[A-ZÆØÅ]\.|{_WORD})){{1,4}}"
_COUNT_IN_PARENS = r"\(\d+\)"


@dataclass
class _Compiled:
    outcome_cues: list[tuple[str, re.Pattern]]
    exceptions: re.Pattern | None
    label: re.Pattern
    verbs: list[tuple[str, re.Pattern]]
    counts: list[re.Pattern]
    notes: list[tuple[str, re.Pattern]]
    remark: re.Pattern | None
    voter: re.Pattern
    voter_list: re.Pattern
    voter_list_at_end: re.Pattern
    subject_list: re.Pattern
    voter_list_then_remark: re.Pattern
    non_deciding: re.Pattern | None
    changes: re.Pattern | None


def _any(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _bounded(patterns: list[str], bodies: str = "(?!)") -> re.Pattern | None:
    """One case-insensitive, word-bounded pattern for a list of phrasings; '{BODY}' = a deciding body."""
    if not patterns:
        return None
    return re.compile(rf"(?<!\w)(?:{_any(patterns)})(?!\w)".replace("{BODY}", bodies), re.IGNORECASE)


class DecisionLexicon:
    """Outcome, vote and note phrasings and party names, as data; compiled once on first use.

    `from_disk(path)` / `to_disk(path)` read and write a folder holding decisions.json and parties.json
    (the pipeline saves it beside its own config, like spaCy's EntityRuler keeps patterns.jsonl)."""

    def __init__(self, decisions: dict, parties: dict):
        self.decisions = decisions
        self.parties = parties
        self._compiled: _Compiled | None = None
        self._alias_cache: dict[str, str] | None = None

    # ------------------------------------------------------------------ files
    @classmethod
    def from_disk(cls, path: str | Path = LEXICON_DIR) -> "DecisionLexicon":
        """Load from a folder with decisions.json and parties.json (or from the decisions file itself)."""
        path = Path(path)
        folder = path if path.is_dir() else path.parent
        decisions_path = path if path.is_file() else folder / DECISIONS_FILE
        with open(decisions_path, encoding="utf-8") as handle:
            decisions = json.load(handle)
        with open(folder / PARTIES_FILE, encoding="utf-8") as handle:
            parties = json.load(handle)
        return cls(decisions, parties)

    def to_disk(self, path: str | Path) -> None:
        """Write decisions.json and parties.json into the folder `path` (created when missing)."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in ((DECISIONS_FILE, self.decisions), (PARTIES_FILE, self.parties)):
            with open(folder / name, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False, indent=2)
                handle.write("\n")

    # ------------------------------------------------------------------ parties
    def party_letter(self, printed: str) -> str:
        """'(SF)', 'SF', 'Socialistisk Folkeparti' -> 'F'; a letter or local list not known is kept as printed."""
        key = re.sub(r"\s+", " ", printed.strip(" ()")).casefold()
        return self._alias_to_letter().get(key, printed.strip(" ()"))

    def _alias_to_letter(self) -> dict[str, str]:
        table = self._alias_cache
        if table is None:
            table = {letter.casefold(): letter for letter in self.parties.get("letters", [])}
            for letter, aliases in self.parties.get("aliases", {}).items():
                table[letter.casefold()] = letter
                table.update({alias.casefold(): letter for alias in aliases})
            self._alias_cache = table
        return table

    # ------------------------------------------------------------------ compiled patterns
    @property
    def compiled(self) -> _Compiled:
        if self._compiled is None:
            self._compiled = self._compile()
        return self._compiled

    def _compile(self) -> _Compiled:
        d = self.decisions
        remark_alt = _any(d.get("notes", {}).get("bemaerkning", ["(?!)"]))
        bodies = f"(?:{_any(d.get('deciding_bodies', []))})" if d.get("deciding_bodies") else "(?!)"
        cues = [(kind, _bounded(patterns, bodies)) for kind, patterns in d.get("outcome_cues", {}).items() if patterns]
        labels = "|".join(f"(?P<label_{side}>(?i:{_any(d['vote_labels'][side])}))"
                          for side in SIDES if d.get("vote_labels", {}).get(side))
        aliases = sorted((a for names in self.parties.get("aliases", {}).values() for a in names),
                         key=len, reverse=True)
        alias_alt = "|".join(re.escape(a) for a in aliases) or "(?!)"
        party = rf"(?:{alias_alt}|[A-ZÆØÅ]{{1,3}})"
        # one voter: "Name Name (X)", "(X)", "Socialistisk Folkeparti", "SF", "F"
        voter = (rf"(?:(?P<name>{_NAME})\s*\((?P<nparty>{party})\)|\((?P<pparty>{party})\)"
                 rf"|(?P<alias>{alias_alt})(?![\w-])|(?P<bare>[A-ZÆØÅ]{{1,3}})(?![\w-]))")
        plain_voter = re.sub(r"\(\?P<\w+>", "(?:", voter)
        sep = rf"(?:\s*,\s*(?:og\s+)?|\s+og\s+|\s*&\s*|\s+samt\s+|\s+(?={_NAME}\s*\())"
        voter_list = rf"{plain_voter}(?:{sep}{plain_voter})*(?:\s*{_COUNT_IN_PARENS})?"
        label = re.compile(rf"(?<!\w)(?:{labels})\s*(?:\d+\s+medlem(?:mer)?\s*)?(?:{_COUNT_IN_PARENS}\s*)?:?\s*"
                           rf"(?P<list>{voter_list})")
        return _Compiled(
            outcome_cues=cues,
            exceptions=_bounded(d.get("outcome_exceptions", [])),
            label=label,
            verbs=[(side, _bounded(d.get("vote_verbs", {}).get(side, []))) for side in SIDES
                   if d.get("vote_verbs", {}).get(side)],
            counts=[re.compile(rf"(?<!\w){p}(?!\w)", re.IGNORECASE) for p in d.get("vote_counts", [])],
            notes=[(kind, _bounded(d["notes"][kind])) for kind in NOTE_KINDS if d.get("notes", {}).get(kind)],
            remark=_bounded(d.get("notes", {}).get("bemaerkning", [])),
            voter=re.compile(voter),
            voter_list=re.compile(voter_list),
            # the subject of a vote verb: a list at the start of the sentence, after a closing bracket or colon,
            # or (a full stop missing in print) a list that starts with a named member
            voter_list_at_end=re.compile(rf"(?:^|(?<=\)\s)|(?<=\):\s)|(?<=:\s)|(?<=\s)(?={_NAME}\s*\())"
                                         rf"(?P<list>{voter_list})\s*$"),
            subject_list=re.compile(rf"^(?P<list>{voter_list})\s+(?=[a-zæøå])"),
            changes=dict(cues).get("changes"),
            non_deciding=re.compile(rf"(?i:{_any(d['non_deciding_subjects'])})(?!\w)")
            if d.get("non_deciding_subjects") else None,
            voter_list_then_remark=re.compile(
                rf"[\s,]*(?<![\w-])(?P<list>{voter_list})\s+(?=(?i:{remark_alt}))"),
        )


@lru_cache(maxsize=1)
def default_lexicon() -> DecisionLexicon:
    """The lexicon shipped in pipeline/parse/lexicon (loaded and compiled once per process)."""
    lexicon = DecisionLexicon.from_disk(LEXICON_DIR)
    _ = lexicon.compiled
    return lexicon


# ---------------------------------------------------------------------------- sentences
def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _split_sentences(text: str) -> list[str]:
    """Sentences; a full stop after a single capital is an end ('… C og Ø. Imod stemte …') unless it is a
    middle initial ('John T. Olsen')."""
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if pieces and _INITIAL_END.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def _sentences(text: str) -> list[str]:
    """Sentences with their leading point numbers ('1.-3. ') removed."""
    out = []
    for sentence in _split_sentences(text):
        sentence = _NUMBERING.sub("", sentence).strip()
        if sentence:
            out.append(sentence)
    return out


def _is_members_sentence(sentence: str, c: _Compiled) -> bool:
    """A sentence about how parties or named members voted or what they said, not about the body's decision."""
    label = c.label.match(sentence)
    return bool(label) or bool(c.subject_list.match(sentence))


def _cut_at_record_notes(sentence: str, c: _Compiled) -> str:
    for kind, pattern in c.notes:
        if kind in ("protokollat", "mindretalsudtalelse"):
            match = pattern.search(sentence)
            if match:
                sentence = sentence[:match.start()]
    return sentence


def _cut_at_notes(sentence: str, c: _Compiled) -> str:
    """The sentence up to its first note to the record or remark: what follows is not the body's decision.
    A remark announced as an amendment ('godkendt med denne bemærkning: …') keeps its announcing words."""
    for kind, pattern in c.notes:
        if kind == "forbehold":
            continue
        match = pattern.search(sentence)
        if match:
            amendment = c.changes.match(sentence, match.start()) if c.changes else None
            sentence = sentence[:match.start()] + (amendment.group(0) if amendment else "")
    return sentence


def _body_text(sentences: list[str], c: _Compiled) -> str:
    """What the deciding body itself said: no member sentences, no reports of what the administration or
    the chair said, no notes to the record, quotes or remarks."""
    kept = []
    for sentence in sentences:
        if _is_members_sentence(sentence, c) or (c.non_deciding and c.non_deciding.match(sentence)):
            continue
        kept.append(_cut_at_notes(_QUOTED.sub(" ", sentence), c))
    return " ".join(kept)


# ---------------------------------------------------------------------------- outcome
def _cues(body: str, c: _Compiled) -> list[tuple[int, str]]:
    """(position, kind) of each outcome cue; a span claimed by an earlier kind (rejected before approved:
    'kan ikke anbefale' is not an approval) is not read again."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    if c.exceptions is not None:
        taken += [m.span() for m in c.exceptions.finditer(body)]
    for kind, pattern in c.outcome_cues:
        for match in pattern.finditer(body):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append((start, kind))
    return sorted(found)


def _outcome_from_cues(cues: list[tuple[int, str]]) -> str:
    """The body's outcome from its cues. Rejecting the recommendation as a whole ('kan ikke godkende
    administrationens indstilling') is `rejected` even when the body then recommends its own alternative;
    following some points (approved or noted) while rejecting, postponing or leaving others undecided
    is `approved_with_changes`."""
    kinds = {kind for _, kind in cues}
    if "rejected_whole" in kinds:
        return "rejected"
    approved = "approved" in kinds
    followed = approved or "noted" in kinds
    for not_as_recommended, partner in (("rejected", followed), ("postponed", followed),
                                        ("body_abstained", approved)):
        if not_as_recommended in kinds:
            if partner:
                return "approved_with_changes"
            return "other" if not_as_recommended == "body_abstained" else not_as_recommended
    if "changes" in kinds and approved:
        return "approved_with_changes"
    for _, kind in cues:
        if kind in ("noted", "discussed", "approved"):
            return kind
    return "other"


def outcome_of(text: str | None, lexicon: DecisionLexicon | None = None) -> str:
    """Outcome class of a decision text (see GOLD_FORMAT.md): what the deciding body did as a whole."""
    if not text or not text.strip(" .\n"):
        return "none"
    c = (lexicon or default_lexicon()).compiled
    body = _body_text(_sentences(_fold(text)), c)
    return _outcome_from_cues(_cues(body, c))


# ---------------------------------------------------------------------------- votes
def _voters(listed: str, lexicon: DecisionLexicon, parties: dict[str, str]) -> list[str]:
    """Voters in a printed list: party letters normalised, persons by name (their party into `parties`)."""
    out = []
    for match in lexicon.compiled.voter.finditer(listed):
        if match.group("name"):
            name = _fold(match.group("name"))
            parties[name] = lexicon.party_letter(match.group("nparty"))
            out.append(name)
        else:
            printed = match.group("pparty") or match.group("alias") or match.group("bare")
            out.append(lexicon.party_letter(printed))
    return out


def _count_in(listed: str) -> int | None:
    match = re.search(r"\((\d+)\)\s*$", listed)
    return int(match.group(1)) if match else None


def read_votes(text: str | None, lexicon: DecisionLexicon | None = None) -> Votes | None:
    """Votes as printed: 'For stemte: A, C, F (5)', '(Ø) og (F) stemte imod', 'Bjarke Abel (A) undlod at
    tage stilling', '(F) kunne ikke tiltræde', 'med stemmerne 11 for og 8 imod'. None without a vote."""
    if not text:
        return None
    lexicon = lexicon or default_lexicon()
    c = lexicon.compiled
    sides: dict[str, list[str]] = {side: [] for side in SIDES}
    counts: dict[str, int | None] = {side: None for side in SIDES}
    parties: dict[str, str] = {}
    seen: set[str] = set()

    def add(side: str, voters: list[str]) -> None:
        # a member has one vote per decision: when the text records several votes (a counter-proposal,
        # a vote on competence), the first one printed is the vote on the item
        for voter in voters:
            if voter not in seen:
                seen.add(voter)
                sides[side].append(voter)

    # the side of the last printed vote list:
    # 'Imod stemte: (F) med bemærkning om ”…” (Ø) med bemærkning om ”…”' puts Ø on that side too
    # (a quote ends a sentence here)
    last_side = None
    for sentence in _sentences(_fold(_QUOTED.sub(". ", text))):
        sentence = _cut_at_record_notes(sentence, c)  # a minority statement or protocol note is not a vote
        claimed: list[tuple[int, int]] = []
        remark_only = c.voter_list_then_remark.match(sentence)
        if remark_only and last_side and remark_only.start("list") == 0:
            add(last_side, _voters(remark_only.group("list"), lexicon, parties))
            continue
        last_side = None
        for match in c.label.finditer(sentence):  # "For stemte: …", "Imod stemte (Ø) og (F)"
            side = next(s for s in SIDES if match.group(f"label_{s}"))
            add(side, _voters(match.group("list"), lexicon, parties))
            counts[side] = counts[side] or _count_in(match.group("list"))
            claimed.append(match.span())
            last_side = side
        for side, pattern in c.verbs:  # "(Ø) og (F) stemte imod", "Bjarke Abel (A) undlod at tage stilling"
            for match in pattern.finditer(sentence):
                if any(match.start() < end and start < match.end() for start, end in claimed):
                    continue
                subject = c.voter_list_at_end.search(sentence[:match.start()])
                if subject:
                    add(side, _voters(subject.group("list"), lexicon, parties))
        for pattern in c.counts:  # "med stemmerne 11 for og 8 imod"
            for match in pattern.finditer(sentence):
                for side in SIDES:
                    if side in pattern.groupindex and match.group(side) and counts[side] is None:
                        counts[side] = int(match.group(side))
    if not any(sides.values()) and all(n is None for n in counts.values()):
        return None
    return Votes(for_=sides["for"], against=sides["against"], abstain=sides["abstain"], parties=parties,
                 for_count=counts["for"], against_count=counts["against"], abstain_count=counts["abstain"])


# ---------------------------------------------------------------------------- notes
def read_notes(text: str | None, lexicon: DecisionLexicon | None = None) -> list[ProtocolNote]:
    """Statements put on record with the decision, one row per sentence: minority statements, protocol
    notes, reservations ('tog forbehold') and remarks ('med bemærkning om …')."""
    if not text:
        return []
    c = (lexicon or default_lexicon()).compiled
    notes = []
    for sentence in _split_sentences(_fold(text)):
        for kind, pattern in c.notes:
            if pattern.search(sentence):
                notes.append(ProtocolNote(kind, sentence.strip()))
                break
    return notes


# ---------------------------------------------------------------------------- deviation
def deviates_from(outcome: str, recommendation: str | None) -> bool | None:
    """True when there was a recommendation and the body decided otherwise (rejected, changed, postponed);
    False when it approved it; None when there is nothing to compare (no recommendation, or the outcome
    is noted/discussed/other/none: orientations and theme meetings follow no recommendation)."""
    if not recommendation or not recommendation.strip(" .\n"):
        return None
    if outcome in _DEVIATING:
        return True
    if outcome == "approved":
        return False
    return None


# ---------------------------------------------------------------------------- entry point
def _lemmas(text: str, nlp) -> str:
    """The text as lookup lemmas. Only the tokenizer and the lemma table are used (never the whole pipeline,
    whose decision component itself calls read_decision)."""
    doc = nlp.make_doc(text)
    lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.component_names else None
    table = getattr(lemmatizer, "outcome_lemmas", None)
    if table:  # the project's pipeline keeps just the forms whose lemma names an outcome (a few KB)
        return " ".join(table.get(token.text, token.text) for token in doc)
    if "lemmatizer" in nlp.pipe_names:
        doc = lemmatizer(doc)
    return " ".join(token.lemma_ or token.text for token in doc)


def read_decision(text: str | None, recommendation: str | None, lexicon: DecisionLexicon | None = None,
                  nlp=None) -> Decision:
    """Everything a decision text says: outcome, votes, notes, deviation from the recommendation.

    `lexicon` defaults to the shipped one; `nlp` (the project's spaCy pipeline, optional) re-reads a text
    the phrasings leave as 'other' through its lookup lemmas ('godkendtes' -> 'godkende')."""
    lexicon = lexicon or default_lexicon()
    text = text if text and text.strip() else None
    outcome = outcome_of(text, lexicon)
    if outcome == "other" and nlp is not None and text:
        lemma_outcome = outcome_of(_lemmas(text, nlp), lexicon)
        if lemma_outcome not in ("other", "none"):
            outcome = lemma_outcome
    return Decision(text=text, outcome=outcome, votes=read_votes(text, lexicon), notes=read_notes(text, lexicon),
                    deviates_from_recommendation=deviates_from(outcome, recommendation))


# ---------------------------------------------------------------------------- older names (thin wrappers)
def classify_outcome(text: str | None) -> str:
    """Outcome class of a decision text (kept for callers of the old name; see `read_decision`)."""
    return outcome_of(text)


def parse_votes(text: str | None) -> Votes | None:
    """Votes of a decision text (kept for callers of the old name; see `read_decision`)."""
    return read_votes(text)


def protocol_notes(text: str | None) -> list[ProtocolNote]:
    """Notes of a decision text (kept for callers of the old name; see `read_decision`)."""
    return read_notes(text)

