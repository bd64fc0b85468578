"""Support knowledge retrieval: a generated knowledge base (tenants × documents about made-up
products, each with its own facts), uploaded and approved through the real ingestion path
(MiniLM embedder, embedded Qdrant), then asked paraphrased questions whose answering document
is known.

    .venv/bin/python benchmarks/support.py [--tenants 3] [--docs 40] [--per-doc 2] [--seed 7]

Prints a table per tenant: documents, chunks, questions, recall@5 (the answering document is
among the 5 passages returned), recall@1 (it comes first), and search latency p50/p95 (query embedding included), plus
ingestion time. Every returned passage is checked to belong to the asking tenant's approved
documents. Then each question goes to the support agent (the offline model answers from the
retrieved passages): the share answered with citations, the share of those whose citations
are all the tenant's approved documents, and the share citing the answering document with
the asked fact in the answer. Targets: recall@5 >= 0.9 for every tenant; cited answers
grounded in the tenant's approved documents 100 %.

The answer benchmark reuses :func:`knowledge_base`, :func:`questions` and :func:`load`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mangaflow.bootstrap import build  # noqa: E402
from mangaflow.platform.config import Settings  # noqa: E402
from mangaflow.support import approval, ingest  # noqa: E402
from mangaflow.support.agent import Final  # noqa: E402
from mangaflow.support.parts import Desk, desk  # noqa: E402
from mangaflow.support.search import search  # noqa: E402
from mangaflow.support.service import Support, support  # noqa: E402
from mangaflow.support.tenancy import Principal  # noqa: E402

CATEGORIES = [
    "drone", "kettle", "desk lamp", "backpack", "blender", "smartwatch", "router", "e-bike",
    "air purifier", "robot vacuum", "espresso machine", "tent", "headphones", "projector",
    "sewing machine", "treadmill", "baby monitor", "label printer", "electric toothbrush",
    "dehumidifier", "rice cooker", "power bank", "security camera", "standing desk",
    "hair dryer", "garden hose", "keyboard", "microwave", "scooter", "thermostat", "tablet",
    "portable speaker", "water filter", "dash camera", "sleeping bag", "fitness tracker",
    "bread maker", "humidifier", "webcam", "soldering iron", "space heater", "pressure cooker",
]  # fmt: skip
_SYL = ["vel", "or", "in", "qua", "zen", "tri", "mo", "lux", "kar", "pel", "dro", "sim", "var",
        "nek", "tal", "ori", "bex", "sol", "fyn", "ast", "ul", "ra", "gon", "mir"]  # fmt: skip
COLORS = ["graphite", "sand", "ocean blue", "forest green", "crimson", "pearl white", "amber"]
BUTTONS = ["power", "mode", "reset", "pairing", "menu"]
CABLES = ["USB-C", "magnetic", "barrel-plug", "Lightning", "micro-USB"]
FILLER = [
    "Keep the device away from direct sunlight and clean it with a dry cloth.",
    "Register your purchase online to receive firmware news and safety notices.",
    "The packaging is recyclable; please separate the paper from the foam inserts.",
    "Read all safety instructions before first use and keep this guide for later.",
    "Do not open the housing; there are no user-serviceable parts inside.",
    "Store the device in a cool, dry place when you will not use it for several weeks.",
    "Children should use the device only under the supervision of an adult.",
    "Firmware updates install automatically when the companion app is connected.",
    "If liquid gets inside, switch the device off at once and let it dry for a day.",
    "Our support team answers messages in English, Spanish and German on weekdays.",
    "Spare parts and accessories are sold in the online store of the manufacturer.",
    "Dispose of the device at an electronics collection point, never with household waste.",
]


@dataclass
class KbDoc:
    """A generated document: its file, text and the facts questions ask about."""

    key: str  # stable within the knowledge base, e.g. "t0-d07"
    tenant: str
    product: str  # "Velorin Skyhawk drone"
    filename: str
    text: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Question:
    tenant: str
    text: str
    doc_key: str  # the document that answers it
    fact: str  # which fact ("battery", "warranty", ...)
    answer: str  # the fact's value as the document states it


def _name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = "".join(rng.sample(_SYL, 2)).capitalize()
        if name not in taken:
            taken.add(name)
            return name


def knowledge_base(tenants: int = 3, docs: int = 40, seed: int = 7) -> dict[str, list[KbDoc]]:
    """``tenants`` tenants (``kb-t0``...) with ``docs`` Markdown product guides each; every
    product is a different made-up brand and model of a distinct category."""
    rng = random.Random(seed)
    if docs > len(CATEGORIES):
        raise ValueError(f"at most {len(CATEGORIES)} documents per tenant")
    taken: set[str] = set()
    out: dict[str, list[KbDoc]] = {}
    for t in range(tenants):
        tenant = f"kb-t{t}"
        company = _name(rng, taken) + " Labs"
        out[tenant] = []
        for i, category in enumerate(rng.sample(CATEGORIES, docs)):
            brand, model = _name(rng, taken), _name(rng, taken)
            product = f"{brand} {model} {category}"
            f = {"battery": rng.randint(3, 40), "charge": rng.choice([30, 45, 60, 90, 120]),
                 "cable": rng.choice(CABLES), "warranty": rng.choice([6, 12, 18, 24, 36]),
                 "returns": rng.choice([14, 30, 60]), "button": rng.choice(BUTTONS),
                 "hold": rng.randint(3, 15), "color": rng.choice(COLORS),
                 "weight": round(rng.uniform(0.2, 9.5), 1)}  # fmt: skip
            text = "\n\n".join([
                f"# {product}: user guide",
                f"## Overview\n\nThe {product} is made by {company}. It weighs {f['weight']} kg "
                f"and comes in {f['color']}. " + " ".join(rng.sample(FILLER, 2)),
                f"## Battery and charging\n\nOn a full charge the {brand} {model} runs for "
                f"{f['battery']} hours. Charging from empty to full takes {f['charge']} minutes "
                f"with the supplied {f['cable']} cable. Use only the supplied cable.",
                f"## Warranty and returns\n\n{company} covers the {brand} {model} against defects "
                f"for {f['warranty']} months from the date of purchase. Unused items may be "
                f"returned within {f['returns']} days with the receipt.",
                f"## Troubleshooting\n\nIf the {brand} {model} stops responding, press and hold "
                f"the {f['button']} button for {f['hold']} seconds until the light blinks twice. "
                f"This restarts it without deleting your settings. " + " ".join(rng.sample(
                    FILLER, 2)),
                "## Care and safety\n\n" + " ".join(rng.sample(FILLER, 6)),
                f"## Contact\n\n{company} support can help with anything this guide does not "
                f"cover. " + " ".join(rng.sample(FILLER, 4)),
            ])  # fmt: skip
            out[tenant].append(KbDoc(f"t{t}-d{i:02d}", tenant, product,
                                     f"{brand.lower()}-{model.lower()}.md", text, f))  # fmt: skip
    return out


_ASK = {
    "battery": ["How many hours can I use my {bm} {c} before it needs recharging?",
                "What running time does the {bm} {c} get from one charge?"],
    "charge": ["How long does it take to fill up the battery of the {bm} {c}?",
               "My {bm} {c} is flat; how many minutes until it is fully recharged?"],
    "warranty": ["For how long is the {bm} {c} covered if it breaks?",
                 "What is the guarantee period on my {bm} {c}?"],
    "returns": ["Can I send back the {bm} {c} if I don't want it, and until when?",
                "How many days do I have to return an unused {bm} {c}?"],
    "button": ["My {bm} {c} froze and won't react. How do I reboot it?",
               "The {bm} {c} is unresponsive; what should I do to restart it?"],
    "weight": ["How heavy is the {bm} {c}?", "What does the {bm} {c} weigh?"],
}  # fmt: skip


def questions(kb: dict[str, list[KbDoc]], per_doc: int = 2, seed: int = 7) -> list[Question]:
    """``per_doc`` paraphrased questions per document (different facts), each with the
    document that answers it."""
    rng = random.Random(seed)
    out = []
    for tenant, docs in kb.items():
        for doc in docs:
            brand, model = doc.product.split(" ")[:2]
            category = doc.product.split(" ", 2)[2]
            for fact in rng.sample(sorted(_ASK), per_doc):
                text = rng.choice(_ASK[fact]).format(bm=f"{brand} {model}", c=category)
                answer = {"button": f"{doc.facts['button']} button for {doc.facts['hold']} "
                          "seconds"}.get(fact, str(doc.facts[fact]))  # fmt: skip
                out.append(Question(tenant, text, doc.key, fact, answer))
    return out


def load(d: Desk, kb: dict[str, list[KbDoc]]) -> dict[str, str]:
    """Upload and approve every document (as each tenant's admin); ``doc key → doc_id``."""
    ids = {}
    for tenant, docs in kb.items():
        admin = Principal(tenant, "bench-admin", frozenset({"admin"}))
        for doc in docs:
            v = ingest.upload(d, admin, doc.filename, doc.text.encode())
            approval.approve(d, admin, v.doc_id, v.version)
            ids[doc.key] = v.doc_id
    return ids


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def answer(sup: Support, principal: Principal, text: str) -> tuple[Final, float]:
    """The agent's reply to one question (the offline model answers from retrieved
    passages) and its wall time in ms."""
    t = time.perf_counter()
    final = [e for e in sup.agent.chat(principal, text) if isinstance(e, Final)][-1]
    return final, (time.perf_counter() - t) * 1000


def run(tenants: int, docs: int, per_doc: int, seed: int, home: Path) -> dict[str, Any]:
    settings = Settings(_env_file=None, home=home)  # type: ignore[call-arg]
    c = build(settings)
    d = desk(c)
    sup = support(c)
    d.embedder.embed(["warm up"])  # load the model and open the index before timing
    assert d.index is not None
    kb = knowledge_base(tenants, docs, seed)
    t0 = time.perf_counter()
    ids = load(d, kb)
    ingest_s = time.perf_counter() - t0
    owner = {ids[doc.key]: tenant for tenant, docs in kb.items() for doc in docs}
    rows = []
    for tenant, tdocs in kb.items():
        customer = Principal(tenant, "bench-customer", frozenset({"customer"}))
        qs = [q for q in questions(kb, per_doc, seed) if q.tenant == tenant]
        hits, top1, times, foreign = 0, 0, [], 0
        cited, grounded, correct, answer_ms = 0, 0, 0, []
        for q in qs:
            t = time.perf_counter()
            passages = search(d, customer, q.text, k=5)
            times.append((time.perf_counter() - t) * 1000)
            hits += ids[q.doc_key] in {p.doc_id for p in passages}
            top1 += bool(passages) and passages[0].doc_id == ids[q.doc_key]
            foreign += sum(owner.get(p.doc_id) != tenant for p in passages)
            final, ms = answer(sup, customer, q.text)
            answer_ms.append(ms)
            docs_cited = {cit.doc_id for cit in final.citations}
            cited += bool(docs_cited)
            # Every citation must be an approved document of the asking tenant.
            grounded += bool(docs_cited) and all(owner.get(x) == tenant for x in docs_cited)
            correct += ids[q.doc_key] in docs_cited and q.answer.lower() in final.answer.lower()
        chunks = sum(len(d.store.chunks(tenant, ids[doc.key], 1)) for doc in tdocs)
        rows.append({"tenant": tenant, "docs": len(tdocs), "chunks": chunks, "questions": len(qs),
                     "recall@5": hits / len(qs), "recall@1": top1 / len(qs),
                     "p50_ms": statistics.median(times),
                     "p95_ms": pct(times, 95), "foreign": foreign, "answered": cited / len(qs),
                     "grounded": grounded / max(cited, 1), "correct": correct / len(qs),
                     "answer_p50_ms": statistics.median(answer_ms)})  # fmt: skip
    return {"rows": rows, "ingest_s": ingest_s, "docs": sum(len(v) for v in kb.values())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tenants", type=int, default=3)
    ap.add_argument("--docs", type=int, default=40)
    ap.add_argument("--per-doc", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="support-bench-") as tmp:
        result = run(args.tenants, args.docs, args.per_doc, args.seed, Path(tmp))
    rows = result["rows"]
    print(f"ingested + approved {result['docs']} documents in {result['ingest_s']:.1f} s "
          f"({result['ingest_s'] / result['docs'] * 1000:.0f} ms each)\n")  # fmt: skip
    head = f"{'tenant':<8} {'docs':>5} {'chunks':>7} {'questions':>10} {'recall@5':>9} {'recall@1':>9} " \
           f"{'p50 ms':>8} {'p95 ms':>8} {'foreign':>8} {'answered':>9} {'cited ok':>9} " \
           f"{'correct':>8} {'answer ms':>10}"  # fmt: skip
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['tenant']:<8} {r['docs']:>5} {r['chunks']:>7} {r['questions']:>10} "
            f"{r['recall@5']:>9.3f} {r['recall@1']:>9.3f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['foreign']:>8}"
            f" {r['answered']:>9.3f} {r['grounded']:>9.3f} {r['correct']:>8.3f}"
            f" {r['answer_p50_ms']:>10.1f}"
        )
    worst = min(r["recall@5"] for r in rows)
    grounded = min(r["grounded"] for r in rows)
    ok = worst >= 0.9 and all(r["foreign"] == 0 for r in rows) and grounded == 1.0
    print(f"\nrecall@5 min {worst:.3f} (target >= 0.9); foreign passages "
          f"{sum(r['foreign'] for r in rows)} (target 0); answers citing only the tenant's "
          f"approved documents {grounded:.1%} (target 100 %): {'PASS' if ok else 'FAIL'}")  # fmt: skip
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
