"""Decision semantics on hand-labelled real decisions (benchmarks/labels/greve_decisions.jsonl).

    .venv/bin/python benchmarks/bench_decisions.py                     # both modes
    .venv/bin/python benchmarks/bench_decisions.py --mode text         # gold decision text only (fast)
    .venv/bin/python benchmarks/bench_decisions.py --labels FILE --corpus DIR --json out.json

Two modes, so segmentation errors and semantic errors are separable:
- `text`: `read_decision` on the decision and recommendation text of the gold JSON files beside the PDFs
  (what the semantics do with a perfectly cut decision);
- `pdf`:  the Greve PDFs parsed end to end by the project's parser (extract + parse_document), items matched
  to the labels by source file and item number (what a user gets).

Prints outcome accuracy with a confusion table, vote F1 (micro over (item, side, voter) triples: voters are
normalised party letters or person names), deviation accuracy (true/false/null must be equal), note-kind F1,
and the read_decision throughput. The labels were made by reading the texts (see benchmarks/labels/LABELLING.md).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.parse.decisions import default_lexicon, read_decision  # noqa: E402

LABELS = ROOT / "benchmarks" / "labels" / "greve_decisions.jsonl"
CORPUS = Path("/work/shared/corpus/greve")
OUTCOMES = ["approved", "approved_with_changes", "noted", "discussed", "postponed", "rejected", "other", "none"]
SIDES = ("for", "against", "abstain")


def load_labels(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def gold_items(corpus: Path, source_file: str) -> dict[int, dict]:
    gold = json.loads((corpus / Path(source_file).with_suffix(".json").name).read_text(encoding="utf-8"))
    return {item["number"]: item for item in gold["items"]}


def predict_from_text(labels: list[dict], corpus: Path) -> tuple[dict, float]:
    """(file, number) -> prediction dict, and the seconds read_decision took for all of them."""
    cache: dict[str, dict] = {}
    inputs = []
    for label in labels:
        items = cache.setdefault(label["source_file"], gold_items(corpus, label["source_file"]))
        item = items[label["number"]]
        inputs.append(((label["source_file"], label["number"]), item.get("decision"), item.get("recommendation")))
    default_lexicon()  # load and compile the lexicon once, outside the timing (as a worker does at start)
    started = time.perf_counter()
    decisions = [(key, read_decision(text, recommendation)) for key, text, recommendation in inputs]
    elapsed = time.perf_counter() - started
    return {key: as_prediction(decision) for key, decision in decisions}, elapsed


def predict_from_pdfs(labels: list[dict], corpus: Path) -> dict:
    from pipeline.extract import extract_document
    from pipeline.parse.parser import parse_document

    predictions = {}
    for source_file in sorted({label["source_file"] for label in labels}):
        pdf = corpus / source_file
        meeting = parse_document(extract_document(pdf, sha256="bench"))
        for item in meeting.items:
            predictions[(source_file, item.number)] = as_prediction(item.decision)
    return predictions


def as_prediction(decision) -> dict:
    if decision is None:
        return {"outcome": "none", "votes": None, "deviates": None, "notes": []}
    votes = decision.votes.as_gold() if decision.votes else None
    return {"outcome": decision.outcome, "votes": votes, "deviates": decision.deviates_from_recommendation,
            "notes": sorted({note.kind for note in decision.notes})}


def triples(key, votes: dict | None) -> set:
    if not votes:
        return set()
    return {(key, side, voter) for side in SIDES for voter in votes.get(side) or []}


def f1(gold: set, pred: set) -> tuple[float, float, float]:
    tp = len(gold & pred)
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(gold) if gold else 1.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def evaluate(labels: list[dict], predictions: dict) -> dict:
    confusion: Counter = Counter()
    outcome_ok = deviation_ok = 0
    gold_votes, pred_votes, gold_notes, pred_notes = set(), set(), set(), set()
    wrong = []
    for label in labels:
        key = (label["source_file"], label["number"])
        pred = predictions.get(key, {"outcome": "none", "votes": None, "deviates": None, "notes": []})
        confusion[(label["outcome"], pred["outcome"])] += 1
        outcome_ok += label["outcome"] == pred["outcome"]
        deviation_ok += label["deviates"] == pred["deviates"]
        gold_votes |= triples(key, label["votes"])
        pred_votes |= triples(key, pred["votes"])
        gold_notes |= {(key, kind) for kind in label["notes"]}
        pred_notes |= {(key, kind) for kind in pred["notes"]}
        if label["outcome"] != pred["outcome"] or triples(key, label["votes"]) != triples(key, pred["votes"]) \
                or label["deviates"] != pred["deviates"]:
            wrong.append((key, label["outcome"], pred["outcome"], label["votes"], pred["votes"],
                          label["deviates"], pred["deviates"]))
    n = len(labels)
    return {"n": n, "outcome_accuracy": outcome_ok / n, "vote_prf": f1(gold_votes, pred_votes),
            "vote_triples": len(gold_votes), "deviation_accuracy": deviation_ok / n,
            "note_prf": f1(gold_notes, pred_notes), "confusion": confusion, "wrong": wrong}


def print_report(name: str, result: dict, show_wrong: bool) -> None:
    p, r, f = result["vote_prf"]
    np_, nr, nf = result["note_prf"]
    print(f"\n== {name}: {result['n']} labelled decisions")
    print(f"outcome accuracy   {result['outcome_accuracy']:.3f}")
    print(f"vote F1            {f:.3f}  (precision {p:.3f}, recall {r:.3f}, {result['vote_triples']} gold triples)")
    print(f"deviation accuracy {result['deviation_accuracy']:.3f}")
    print(f"note-kind F1       {nf:.3f}  (precision {np_:.3f}, recall {nr:.3f})")
    used = [o for o in OUTCOMES if any(o in pair for pair in result["confusion"])]
    width = max(len(o) for o in used)
    print("confusion (rows: label, columns: predicted)")
    print(" " * (width + 1) + " ".join(f"{o[:8]:>8}" for o in used))
    for gold in used:
        print(f"{gold:<{width}} " + " ".join(f"{result['confusion'].get((gold, pred), 0):>8}" for pred in used))
    if show_wrong:
        for key, gold, pred, gold_votes, pred_votes, gold_dev, pred_dev in result["wrong"]:
            print(f"  {key[0]} #{key[1]}: outcome {gold} -> {pred}; deviates {gold_dev} -> {pred_dev}; "
                  f"votes {gold_votes} -> {pred_votes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--mode", choices=["text", "pdf", "both"], default="both")
    parser.add_argument("--wrong", action="store_true", help="list every decision that differs from its label")
    parser.add_argument("--json", type=Path, help="write the numbers to this file")
    args = parser.parse_args()
    labels = load_labels(args.labels)
    print(f"labels: {len(labels)} decisions from {len({l['source_file'] for l in labels})} documents; "
          f"outcomes {dict(Counter(l['outcome'] for l in labels))}; with votes {sum(bool(l['votes']) for l in labels)}")
    results = {}
    if args.mode in ("text", "both"):
        predictions, elapsed = predict_from_text(labels, args.corpus)
        results["text"] = evaluate(labels, predictions)
        print_report("gold decision text -> read_decision", results["text"], args.wrong)
        print(f"read_decision: {len(labels) / elapsed:,.0f} decisions/s ({elapsed * 1000:.1f} ms for {len(labels)})")
    if args.mode in ("pdf", "both"):
        started = time.perf_counter()
        results["pdf"] = evaluate(labels, predict_from_pdfs(labels, args.corpus))
        print_report("PDFs parsed end to end", results["pdf"], args.wrong)
        print(f"(parsed {len({l['source_file'] for l in labels})} PDFs in {time.perf_counter() - started:.1f} s)")
    if args.json:
        args.json.write_text(json.dumps({mode: {k: v for k, v in r.items() if k not in ("confusion", "wrong")}
                                         for mode, r in results.items()}, indent=2))


if __name__ == "__main__":
    main()
