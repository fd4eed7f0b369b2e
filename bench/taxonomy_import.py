"""Re-import the whole official ESCO v1.1.1 release and compare it with the shipped bundle.

The unit test (tests/unit/test_taxonomy_import.py) does this for the rows of 21 occupations kept in
tests/vectors/esco-v1.1.1; the full release is two zips of 7.6 MB, too large to keep in the
repository, so the whole comparison runs here, from the copy beside the repository
(../shared/data/esco-v1.1.1) or the folder given:

    python bench/taxonomy_import.py [--esco DIR]

Prints the import time beside the time to load the shipped bundle (the baseline, same run), the
two summaries and whether every skill, occupation, link and hierarchy edge is the same; exits 1
if anything differs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from microcred.skills.taxonomy import Taxonomy
from microcred.skills.taxonomy_import import import_esco
from microcred.skills.taxonomy_loader import clear_cache, load_taxonomy

ESCO = Path(__file__).resolve().parents[2] / "shared/data/esco-v1.1.1"


def differences(fresh: Taxonomy, shipped: Taxonomy) -> list[str]:
    """What differs between two taxonomies, as short sentences (empty: the same)."""
    out: list[str] = []
    if fresh.summary() != shipped.summary():
        out.append(f"summaries differ: {fresh.summary()} vs {shipped.summary()}")
    if fresh.skills.uri != shipped.skills.uri:
        out.append("skill URIs or their order differ")
    if list(fresh.iter_skills()) != list(shipped.iter_skills()):
        out.append("some skill's label, alt labels, description, type or reuse level differs")
    if list(fresh.iter_occupations()) != list(shipped.iter_occupations()):
        out.append("some occupation differs")
    if not (
        (fresh.links.start == shipped.links.start).all()
        and (fresh.links.skill == shipped.links.skill).all()
        and (fresh.links.essential == shipped.links.essential).all()
    ):
        out.append("occupation→skill links differ")
    if fresh.groups != shipped.groups:
        out.append("skill groups differ")
    if fresh.broader_pairs != shipped.broader_pairs:
        out.append("hierarchy edges differ")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--esco", type=Path, default=ESCO, help="folder of the two ESCO zips")
    args = parser.parse_args()
    zips = sorted(args.esco.glob("*.zip"))
    if len(zips) != 2:
        print(f"need the two ESCO v1.1.1 CSV zips in {args.esco}", file=sys.stderr)
        return 2
    clear_cache()
    t = time.perf_counter()
    shipped = load_taxonomy()
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    fresh = import_esco(zips, version="1.1.1").taxonomy
    import_s = time.perf_counter() - t
    found = differences(fresh, shipped)
    print(f"{'step':<34}{'seconds':>10}")
    print(f"{'load the shipped bundle (baseline)':<34}{load_s:>10.2f}")
    print(f"{'import the official zips':<34}{import_s:>10.2f}")
    print(f"\nshipped: {shipped.summary()}\nfresh:   {fresh.summary()}")
    print("\nsame concepts, links and hierarchy" if not found else "\n".join(found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
