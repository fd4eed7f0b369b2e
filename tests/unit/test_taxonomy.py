"""The shipped taxonomies (ESCO v1.1.1, the O*NET 29.2 occupation list) as the loader sees them."""

from __future__ import annotations

import pytest

from microcred.errors import NotFound
from microcred.skills.taxonomy import Framework, Relation, Taxonomy
from microcred.skills.taxonomy_loader import load_taxonomy, shipped_manifest

SOFTWARE_DEVELOPER = "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1"
PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


@pytest.fixture(scope="module")
def esco() -> Taxonomy:
    return load_taxonomy()


def test_esco_counts_match_the_release(esco: Taxonomy) -> None:
    summary = esco.summary()
    assert summary["skills"] == 13_896
    assert summary["occupations"] == 3_008  # 3,007 + the placeholder for unlabelled links
    assert summary["links"] == 123_855
    assert summary["essential_links"] == 64_946
    assert summary["hierarchy_edges"] == 20_656
    assert esco.framework is Framework.ESCO and esco.version == "1.1.1"


def test_loader_caches_one_object() -> None:
    assert load_taxonomy() is load_taxonomy()


def test_occupation_profile_has_essential_and_optional_skills(esco: Taxonomy) -> None:
    occ = esco.occupation(SOFTWARE_DEVELOPER)
    assert occ.label == "software developer"
    assert "programmer" in " ".join(occ.alt_labels)
    links = esco.skills_of(SOFTWARE_DEVELOPER)
    relations = [link.relation for link in links]
    assert Relation.ESSENTIAL in relations and Relation.OPTIONAL in relations
    # essential first
    assert relations == sorted(relations, key=lambda r: r is Relation.OPTIONAL)
    assert PYTHON in {link.skill_uri for link in links}
    essential = esco.skills_of(SOFTWARE_DEVELOPER, Relation.ESSENTIAL)
    assert essential and all(link.relation is Relation.ESSENTIAL for link in essential)


def test_reverse_links_agree_with_forward_links(esco: Taxonomy) -> None:
    needing = esco.occupations_needing(PYTHON)
    assert SOFTWARE_DEVELOPER in {link.occupation_uri for link in needing}
    for link in needing[:20]:
        forward = {k.skill_uri: k.relation for k in esco.skills_of(link.occupation_uri)}
        assert forward[PYTHON] is link.relation


def test_skill_hierarchy_reaches_a_top_concept(esco: Taxonomy) -> None:
    python = esco.skill(PYTHON)
    assert python.label == "Python (computer programming)"
    assert python.skill_type == "knowledge"
    ancestors = esco.ancestors(PYTHON)
    labels = [esco.label(a) for a in ancestors]
    assert "information and communication technologies (icts)" in labels
    assert PYTHON in esco.narrower(esco.broader(PYTHON)[0])


def test_unknown_uris_are_not_found(esco: Taxonomy) -> None:
    with pytest.raises(NotFound):
        esco.skill("http://data.europa.eu/esco/skill/nope")
    with pytest.raises(NotFound):
        esco.occupation(PYTHON)
    assert not esco.has_skill("http://data.europa.eu/esco/skill/nope")
    assert esco.has_skill(PYTHON)


def test_onet_occupation_list_ships() -> None:
    onet = load_taxonomy(framework="onet")
    assert onet.framework is Framework.ONET and len(onet.occupations) == 1_016
    dev = onet.occupation("https://www.onetonline.org/link/summary/15-1252.00")
    assert dev.label == "Software Developers" and dev.code == "15-1252.00"
    assert "O*NET 29.2 Database" in onet.attribution


def test_unknown_shipped_framework_is_refused() -> None:
    with pytest.raises(NotFound):
        load_taxonomy(framework="isco")


def test_attribution_ships_with_the_data(esco: Taxonomy) -> None:
    text = "This product uses the ESCO classification of the European Commission."
    assert esco.attribution == text
    manifest = shipped_manifest()
    assert text in manifest and "derived" in manifest.lower() and "CC BY 4.0" in manifest
