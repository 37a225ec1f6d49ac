"""Which label wordings of a sample pool the rules extractor misses: per field, per wording.

    .venv/bin/python scripts/wordings.py --set novel --count 60 [--layers text,scan,image] [--seed 3]

Each document of the pool is made in memory (``samples.make_document``), read as a file would be
(``single.extract_file``), and every wrong field is charged to the wording its label was printed with.
For developing on ``tune`` or ``novel``; never tune on ``heldout``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from credit_ocr.reading import sample_pools, samples
from credit_ocr.reading.sample_forms import content
from credit_ocr.reading.single import extract_file


def labels_of(pool: str, seed: int, index: int) -> dict[str, str]:
    """The labels the index-th document printed (the generator's own draw, repeated)."""
    rng = random.Random(f"credit-ocr-samples:{pool}:{seed}:{index}")
    doc = content(rng)
    return sample_pools.plan(pool, index, rng, doc.labels).labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="pool", default="novel")
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--layers", default="text")
    args = parser.parse_args()
    layers = {"text": 0, "scan": 1, "image": 2}
    wanted = {layers[name] for name in args.layers.split(",")}
    seen: Counter[tuple[str, str]] = Counter()
    wrong: dict[tuple[str, str], list[str]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        for index in (i for i in range(args.count) if i % 3 in wanted):
            data, name, truth, _ = samples.make_document(args.seed, index, args.pool)
            path = Path(tmp) / name
            path.write_bytes(data)
            fields = extract_file(path).fields
            for field, label in labels_of(args.pool, args.seed, index).items():
                if truth[field] is None:
                    continue
                seen[field, label] += 1
                if fields[field] != truth[field] and str(fields[field]).lower() != str(truth[field]).lower():
                    wrong[field, label].append(f"{name}: {fields[field]!r} != {truth[field]!r}")
    total = sum(seen.values())
    bad = sum(len(v) for v in wrong.values())
    for (field, label), count in sorted(seen.items()):
        misses = wrong.get((field, label), [])
        mark = "FAIL" if misses else "ok  "
        print(f"{mark} {field:20s} {label!r:45s} {count - len(misses)}/{count}")
        for miss in misses[:2]:
            print(f"       {miss}")
    print(f"fields right: {total - bad}/{total} = {(total - bad) / max(total, 1):.3f}")


if __name__ == "__main__":
    main()
