"""OB 3.0 schema checks: the compiled fast path agrees with the reference 2019-09 validator."""

from __future__ import annotations

import copy
import hashlib
import json
from importlib import resources

import pytest
from tests.vectors import upstream_sha256, vector

from microcred.credentials.schema import ACHIEVEMENT_CREDENTIAL_SCHEMA as OB
from microcred.credentials.schema import _validator, is_valid, schema_errors

VECTOR = vector("ob_v3p0", "signed-credential.json")


def _mutations(doc: dict) -> list[dict]:
    out = []

    def mutate(fn) -> None:
        d = copy.deepcopy(doc)
        fn(d)
        out.append(d)

    mutate(lambda d: d.update(validFrom=5))
    mutate(lambda d: d.update(validFrom="yesterday"))
    mutate(lambda d: d.pop("issuer"))
    mutate(lambda d: d.update(type=["VerifiableCredential"]))
    mutate(lambda d: d.update({"@context": ["https://www.w3.org/ns/credentials/v2"]}))
    mutate(lambda d: d["credentialSubject"]["achievement"].update(type=["Nope"]))
    mutate(lambda d: d["credentialSubject"]["achievement"].pop("criteria"))
    mutate(lambda d: d["credentialSubject"].update(identifier=[{"type": "IdentityObject"}]))
    mutate(lambda d: d.update(credentialStatus={"id": "x"}))
    mutate(lambda d: d.update(evidence=[{"type": ["Evidence"], "name": 3}]))
    mutate(lambda d: d.update(credentialSchema=[{"id": "https://x", "type": 1}]))
    mutate(lambda d: d.update(image={"id": "https://x/i.png", "type": "Image", "extra": 1}))
    mutate(lambda d: d.update(name={"en": "Localised"}))  # a language map is allowed
    mutate(lambda d: d.update(awardedDate="2024-01-01T00:00:00Z"))
    return out


def test_fast_and_reference_validators_agree() -> None:
    doc = json.loads(VECTOR.read_text())
    reference = _validator(OB)
    cases = [doc, *_mutations(doc)]
    verdicts = [(is_valid(d), reference.is_valid(d)) for d in cases]
    assert all(fast == ref for fast, ref in verdicts), verdicts
    assert verdicts[0] == (True, True)
    assert sum(not fast for fast, _ in verdicts) >= 10  # the mutations really are invalid


@pytest.mark.parametrize("index", range(3))
def test_errors_are_plain(index: int) -> None:
    doc = _mutations(json.loads(VECTOR.read_text()))[index]
    errors = schema_errors(doc)
    assert errors and all(len(e) < 400 for e in errors)


def test_bundled_schemas_are_the_upstream_files() -> None:
    """The shipped schemas (which the DCC harness also serves) are byte for byte the 1EdTech
    files they were copied from."""
    folder = resources.files("microcred.credentials").joinpath("schemas")
    bundled = sorted(f.name for f in folder.iterdir() if f.name.endswith(".json"))
    upstream = upstream_sha256("schemas")
    assert bundled == sorted(upstream)
    for name in bundled:
        digest = hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest()
        assert digest == upstream[name], name
