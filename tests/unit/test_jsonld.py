"""Strict JSON-LD to RDF (credentials/jsonld/), bundled contexts, and the pyld reference.

Most expectations are cross-checked against pyld (the reference implementation) and, for
what pyld gets wrong or leaves loose, pinned to the JSON-LD 1.1 / RDFC-1.0 text.
"""

from __future__ import annotations

import copy
import hashlib
import json
from importlib import resources
from typing import Any

import pytest
from tests.vectors import upstream_sha256, vector

from microcred.credentials import contexts, jsonld
from microcred.credentials.jsonld import processor as jsonld_processor
from microcred.credentials.jsonld.reference import canonize_reference
from microcred.crypto import rdfc
from microcred.errors import (
    InvalidInput,
    JsonLdError,
    PayloadTooLarge,
    UndefinedTerm,
    UnknownContext,
)

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DI2 = "https://w3id.org/security/data-integrity/v2"
XSD = "http://www.w3.org/2001/XMLSchema#"


def credential(**extra: Any) -> dict[str, Any]:
    """A small VC 2.0 credential with the examples context (which has an @vocab)."""
    doc: dict[str, Any] = {
        "@context": [V2, EXAMPLES],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
    }
    doc.update(extra)
    return doc


def subject_quads(doc: dict[str, Any]) -> list[str]:
    """The canonical lines about did:example:subject."""
    return [
        line
        for line in jsonld.canonize(doc).splitlines()
        if line.startswith("<did:example:subject>")
    ]


# ------------------------------------------------------------------------ contexts


def test_every_bundled_context_loads_and_is_listed_in_the_manifest() -> None:
    manifest = resources.files(contexts.__name__).joinpath("MANIFEST.txt").read_text()
    rows = [line.split("\t") for line in manifest.splitlines() if not line.startswith("#")]
    listed = {row[0]: row for row in rows}
    assert set(listed) == set(contexts.CONTEXT_URLS)
    assert len(contexts.CONTEXT_URLS) == 15
    upstream = upstream_sha256("contexts")
    assert len(upstream) == 15
    for url in contexts.CONTEXT_URLS:
        row = listed[url]
        data = resources.files(contexts.__name__).joinpath(row[1]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row[6], url
        # and the bundled bytes are the upstream file's, as its source recorded them
        assert hashlib.sha256(data).hexdigest() == upstream[row[1]], url
        assert "@context" in contexts.load_context(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://w3id.org/security/data-integrity/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "https://w3id.org/security/multikey/v1",
        "https://www.w3.org/ns/credentials/status/v1",
    ],
)
def test_context_urls_named_in_the_design(url: str) -> None:
    assert url in contexts.CONTEXT_URLS


def test_load_context_returns_a_fresh_copy() -> None:
    first = contexts.load_context(V2)
    first["@context"]["name"] = "https://evil.example/name"  # type: ignore[index]
    assert contexts.load_context(V2)["@context"]["name"] == "https://schema.org/name"
    assert jsonld.canonize(credential(name="n")).count("<https://schema.org/name>") == 1


@pytest.mark.parametrize(
    "url", ["https://example.com/context.jsonld", "https://www.w3.org/ns/credentials/v3", ""]
)
def test_unknown_context_is_refused_without_network(url: str) -> None:
    with pytest.raises(UnknownContext, match="not one microcred knows"):
        contexts.load_context(url)
    with pytest.raises(UnknownContext):
        jsonld.canonize({"@context": [V2, url], "type": "VerifiableCredential"})


# ---------------------------------------------------------------------- strict mode


def test_undefined_term_in_a_v1_credential_names_its_path() -> None:
    doc = {
        "@context": [V1],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2020-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:s", "degree": {"name": "x", "foo": 1}},
    }
    with pytest.raises(UndefinedTerm) as caught:
        jsonld.canonize(doc)
    assert "credentialSubject.degree" in caught.value.message
    assert "not defined" in caught.value.message


def test_undefined_term_in_an_ob_credential_names_its_path() -> None:
    doc = json.loads(vector("ob_v3p0", "signed-credential.json").read_text())
    doc["credentialSubject"]["achievement"]["foo"] = "bar"
    with pytest.raises(UndefinedTerm, match=r"'foo' at credentialSubject\.achievement\.foo"):
        jsonld.canonize(doc)


def test_undefined_term_is_refused_by_the_reference_too() -> None:
    with pytest.raises(UndefinedTerm):
        canonize_reference({"@context": [V1], "type": "VerifiableCredential", "foo": "x"})


def test_vocab_makes_terms_defined() -> None:
    # The bundled VC 2.0 context has no @vocab: an undefined term is refused ...
    with pytest.raises(UndefinedTerm):
        jsonld.canonize({"@context": [V2], "type": "VerifiableCredential", "alumniOf": "x"})
    # ... and a context with @vocab (the examples context) defines every term.
    lines = subject_quads(credential(credentialSubject={"id": "did:example:subject", "x": "y"}))
    assert lines == ['<did:example:subject> <https://www.w3.org/ns/credentials/examples#x> "y" .']


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"@context": [V2], "type": ["VerifiableCredential", "Foo"]}, "type 'Foo' at type"),
        (
            {"@context": [V1], "type": "VerifiableCredential", "credentialSubject": {"type": "X"}},
            r"credentialSubject\.type",
        ),
        ({"@context": [V2], "@type": "relative/path"}, "relative/path"),
    ],
)
def test_relative_type_is_refused(doc: dict[str, Any], match: str) -> None:
    with pytest.raises(UndefinedTerm, match=match):
        jsonld.canonize(doc)


@pytest.mark.parametrize("value", ["relative", "#frag", "../x", "", "http://a b"])
def test_relative_or_invalid_id_is_refused(value: str) -> None:
    with pytest.raises(JsonLdError, match=r"@id|IRI"):
        jsonld.canonize(credential(credentialSubject={"id": value}))
    with pytest.raises(JsonLdError):
        jsonld.canonize(credential(issuer=value))


def test_protected_term_redefinition_is_refused() -> None:
    doc = credential()
    doc["@context"] = [V2, {"name": "https://evil.example/name"}]
    with pytest.raises(JsonLdError, match="protected term 'name'"):
        jsonld.canonize(doc)
    # Redefining a protected term identically is allowed (OB 3.0 does it for 'name').
    doc["@context"] = [V2, {"name": {"@id": "https://schema.org/name"}}]
    assert jsonld.canonize(doc)


def test_null_context_cannot_clear_protected_terms() -> None:
    doc = credential()
    doc["credentialSubject"] = {"@context": None, "id": "did:example:s"}
    with pytest.raises(JsonLdError, match="nullification"):
        jsonld.canonize(doc)


def test_term_defined_as_null_is_refused() -> None:
    doc = credential(dropped="x")
    doc["@context"] = [V2, EXAMPLES, {"dropped": None}]
    with pytest.raises(UndefinedTerm, match="'dropped' at dropped"):
        jsonld.canonize(doc)


@pytest.mark.parametrize("key", ["@foo", "@Context"])
def test_keyword_lookalikes_are_refused(key: str) -> None:
    with pytest.raises(UndefinedTerm):
        jsonld.canonize(credential(**{key: "x"}))


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("@reverse", {"urn:p": {"id": "urn:x"}}),
        ("@included", [{"id": "urn:x"}]),
        ("@index", "i"),
        ("@nest", {}),
    ],
)
def test_unsupported_features_say_so(member: str, value: Any) -> None:
    with pytest.raises(JsonLdError, match="not supported"):
        jsonld.canonize(credential(**{member: value}))


@pytest.mark.parametrize(
    "local",
    [
        {"x": {"@id": "urn:x", "@container": "@language"}},
        {"x": {"@id": "urn:x", "@container": "@index"}},
        {"x": {"@reverse": "urn:x"}},
        {"@base": "https://example.com/"},
        {"@import": EXAMPLES},
        {"@direction": "rtl"},
    ],
)
def test_unsupported_context_features_say_so(local: dict[str, Any]) -> None:
    doc = credential()
    doc["@context"] = [V2, local]
    with pytest.raises(JsonLdError, match="not supported"):
        jsonld.canonize(doc)


@pytest.mark.parametrize(
    "value",
    [
        {"@value": "x", "@context": {}},
        {"@value": "x", "foo": "y"},
        {"@value": {"a": 1}},
        {"@value": "x", "@type": "urn:t", "@language": "en"},
        {"@value": 1, "@language": "en"},
        {"@list": [1], "extra": 2},
        {"@set": [1], "@context": {}},
    ],
)
def test_malformed_value_objects_are_refused(value: Any) -> None:
    doc = credential(credentialSubject={"id": "did:example:subject", "v": value})
    with pytest.raises(JsonLdError):
        jsonld.canonize(doc)


@pytest.mark.parametrize(
    "build",
    [
        lambda inner: {"credentialSubject": inner},
        lambda inner: [inner],
    ],
)
def test_ten_thousand_levels_of_nesting_is_a_clean_error(build: Any) -> None:
    nested: Any = {"id": "did:example:leaf"}
    for _ in range(10_000):
        nested = build(nested)
    doc = credential(credentialSubject=nested)
    with pytest.raises(PayloadTooLarge, match="nested"):
        jsonld.canonize(doc)


def test_deep_inline_context_and_json_literal_are_clean_errors() -> None:
    deep: Any = {}
    for _ in range(10_000):
        deep = {"a": deep}
    doc = credential()
    doc["@context"] = [V2, {"x": {"@id": "urn:x", "@context": deep}}]
    with pytest.raises(PayloadTooLarge):
        jsonld.canonize(doc)
    doc = {
        "@context": [V2],
        "type": ["VerifiableCredential", "JsonSchemaCredential"],
        "credentialSubject": {"type": "JsonSchema", "jsonSchema": deep},
    }
    with pytest.raises(PayloadTooLarge):
        jsonld.canonize(doc)


def test_too_many_quads() -> None:
    doc = credential(credentialSubject={"id": "did:example:subject", "n": list(range(100))})
    assert len(jsonld.JsonLdProcessor().to_encoded(doc)) > 100
    with pytest.raises(PayloadTooLarge, match="quads"):
        jsonld.JsonLdProcessor().to_encoded(doc, max_quads=50)


@pytest.mark.parametrize("text", ["bad \ud800", "nonchar \ufffe", "\uffff"])
def test_unportable_characters_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="surrogate"):
        jsonld.canonize(credential(name=text))
    with pytest.raises(JsonLdError):
        jsonld.canonize(credential(issuer="urn:x" + text[-1]))


# NaN/Infinity are not JSON; big integers lose digits in JavaScript; 1e-7 is written
# "1e-7" by JavaScript, which jsonld.js then signs as the integer "0".
@pytest.mark.parametrize(
    "bad", [float("nan"), float("inf"), 12345678901234567891, 10**400, 1e-7, -3e-9, 5e-324]
)
def test_numbers_other_implementations_would_change_are_refused(bad: Any) -> None:
    with pytest.raises(InvalidInput):
        jsonld.canonize(credential(credentialSubject={"id": "did:example:subject", "n": bad}))


def test_string_typed_xsd_double_is_refused() -> None:
    value = {"@value": "5.0", "@type": XSD + "double"}
    with pytest.raises(JsonLdError, match="xsd:double"):
        jsonld.canonize(credential(credentialSubject={"id": "did:example:subject", "n": value}))


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(JsonLdError):
        jsonld.canonize("not json-ld")  # type: ignore[arg-type]


# ---------------------------------------------------------------- literal values


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (1.5, f'"1.5E0"^^<{XSD}double>'),
        (1e21, f'"1.0E21"^^<{XSD}double>'),
        (-0.0, f'"0"^^<{XSD}integer>'),
        (5.0, f'"5"^^<{XSD}integer>'),
        (0.1, f'"1.0E-1"^^<{XSD}double>'),
        (-123.456e-7, f'"-1.23456E-5"^^<{XSD}double>'),
        (1e300, f'"1.0E300"^^<{XSD}double>'),
        (2**53, f'"9007199254740992"^^<{XSD}integer>'),
        (2**60, f'"1152921504606846976"^^<{XSD}integer>'),
        (10**21, f'"1.0E21"^^<{XSD}double>'),
        (-42, f'"-42"^^<{XSD}integer>'),
        (True, f'"true"^^<{XSD}boolean>'),
        (False, f'"false"^^<{XSD}boolean>'),
        # a tie at the 16th digit: jsonld.js toExponential(15) rounds half up
        (1234567890123456.5, f'"1.234567890123457E15"^^<{XSD}double>'),
        (0.30000000000000004, f'"3.0E-1"^^<{XSD}double>'),
    ],
)
def test_native_values(value: Any, literal: str) -> None:
    lines = subject_quads(credential(credentialSubject={"id": "did:example:subject", "n": value}))
    assert lines == [
        f"<did:example:subject> <https://www.w3.org/ns/credentials/examples#n> {literal} ."
    ]


def test_native_values_agree_with_pyld() -> None:
    values = [1.5, 1e21, -0.0, 5.0, 0.1, 2**53, 2**60, 10**21, -42, True, 3.14159, 6.02e23, -1.5e-7]
    doc = credential(credentialSubject={"id": "did:example:subject", "n": values})
    assert jsonld.canonize(doc) == canonize_reference(doc)


def test_coerced_types_apply_to_native_values() -> None:
    doc = {
        "@context": [V2, OB],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {
            "id": "did:example:subject",
            "type": "AchievementSubject",
            "creditsEarned": 3,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": "sha256$abc",
                    "identityType": "emailAddress",
                    "salt": "s",
                }
            ],
        },
    }
    out = jsonld.canonize(doc)
    assert '"3"^^<https://www.w3.org/2001/XMLSchema#float>' in out
    assert '"true"^^<https://www.w3.org/2001/XMLSchema#boolean>' in out
    assert out == canonize_reference(doc)


def test_string_escapes_follow_rdfc10_and_differ_from_pyld_only_where_pyld_is_wrong() -> None:
    text = 'q" b\\ n\n r\r t\t é 😀'
    doc = credential(name=text)
    assert '"q\\" b\\\\ n\\n r\\r t\\t é 😀"' in jsonld.canonize(doc)
    assert jsonld.canonize(doc) == canonize_reference(doc)
    controls = credential(name="bell\x07 bs\b ff\f")
    assert '"bell\\u0007 bs\\b ff\\f"' in jsonld.canonize(controls)
    # pyld 3.3 writes these raw, which RDFC-1.0 appendix A forbids.
    assert jsonld.canonize(controls) != canonize_reference(controls)


def test_language_tags() -> None:
    doc = credential(
        credentialSubject={
            "id": "did:example:subject",
            "a": {"@value": "colour", "@language": "EN-GB"},
            "b": "plain",
        }
    )
    doc["@context"] = [V2, EXAMPLES, {"@language": "FR"}]
    lines = subject_quads(doc)
    assert '"colour"@en-gb .' in lines[0]
    assert '"plain"@fr .' in lines[1]
    assert jsonld.canonize(doc) == canonize_reference(doc)


def test_json_literal_is_jcs() -> None:
    doc = {
        "@context": [V2],
        "type": ["VerifiableCredential", "JsonSchemaCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {
            "id": "urn:schema",
            "type": "JsonSchema",
            "jsonSchema": {"z": [1, 2.5, None, True], "a": "é", "$id": "urn:x"},
        },
    }
    out = jsonld.canonize(doc)
    expected = '"{\\"$id\\":\\"urn:x\\",\\"a\\":\\"é\\",\\"z\\":[1,2.5,null,true]}"'
    assert f"{expected}^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON>" in out
    assert out == canonize_reference(doc)


def test_compact_iris_and_absolute_iri_keys() -> None:
    doc = credential(
        credentialSubject={
            "id": "ex:s1",
            "ex:thing": "ex:o",
            "http://other.example/p": "v",
        }
    )
    doc["@context"] = [V2, {"ex": "http://example.org/ns#", "ex:thing": {"@type": "@id"}}]
    out = jsonld.canonize(doc)
    assert (
        "<http://example.org/ns#s1> <http://example.org/ns#thing> <http://example.org/ns#o> ."
        in out
    )
    assert '<http://example.org/ns#s1> <http://other.example/p> "v" .' in out
    assert out == canonize_reference(doc)


# ---------------------------------------------------------- structure and scoping


FEATURE_DOCS: dict[str, dict[str, Any]] = {
    "list container": {
        "@context": [V2, OB],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {
            "type": "AchievementSubject",
            "achievement": {
                "id": "urn:a",
                "type": "Achievement",
                "name": "n",
                "criteria": {"narrative": "x"},
                "resultDescription": [
                    {
                        "id": "urn:rd",
                        "type": "ResultDescription",
                        "name": "r",
                        "resultType": "LetterGrade",
                        "allowedValue": ["A", "B", "C"],
                    },
                    {
                        "id": "urn:rd2",
                        "type": "ResultDescription",
                        "name": "r2",
                        "resultType": "LetterGrade",
                        "allowedValue": [],
                    },
                ],
            },
        },
    },
    "list, set and nested arrays": credential(
        credentialSubject={
            "id": "did:example:subject",
            "a": {"@set": ["x", {"@value": "y"}]},
            "b": {"@list": [[1, 2], []]},
            "c": [["n1", "n2"], "n3"],
        }
    ),
    "presentation with a null-scoped graph container": {
        "@context": [V2],
        "type": "VerifiablePresentation",
        "holder": "did:example:holder",
        "verifiableCredential": [credential(id="urn:vc1")],
    },
    "proof set": credential(
        proof=[
            {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "proofPurpose": "assertionMethod",
                "verificationMethod": "did:example:issuer#k",
                "created": "2020-01-01T00:00:00Z",
                "proofValue": "z1",
            },
            {
                "id": "urn:p2",
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "proofPurpose": "authentication",
                "verificationMethod": "did:example:issuer#k",
                "challenge": "c",
                "domain": "d",
                "nonce": "n",
                "expires": "2030-01-01T00:00:00Z",
                "previousProof": "urn:p1",
            },
        ]
    ),
    "top-level graph": {
        "@context": [V2, EXAMPLES],
        "@graph": [
            {"id": "urn:x", "type": "Thing", "p": "v"},
            {"id": "urn:y", "q": {"id": "urn:x"}},
        ],
    },
    "named graph": {
        "@context": [V2, EXAMPLES],
        "id": "urn:g",
        "@graph": [{"id": "urn:x", "p": "v"}],
        "label": "g",
    },
    "blank node ids and identical blank nodes": credential(
        credentialSubject=[
            {"id": "_:b0", "knows": {"id": "_:b1"}},
            {"id": "_:b1", "knows": {"id": "_:b0"}},
        ],
        evidence=[{"type": "Evidence", "name": "e"}, {"type": "Evidence", "name": "e"}],
    ),
    "v1 credential with data integrity proof": {
        "@context": [V1, DI2],
        "id": "urn:c",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2020-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "verificationMethod": "did:example:issuer#k",
            "created": "2020-01-01T00:00:00Z",
        },
    },
    "did document": {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": "did:example:1",
        "verificationMethod": [
            {
                "id": "did:example:1#k",
                "type": "Multikey",
                "controller": "did:example:1",
                "publicKeyMultibase": "z6Mk",
            }
        ],
        "assertionMethod": ["did:example:1#k"],
        "service": [{"id": "did:example:1#s", "serviceEndpoint": "https://example.com"}],
    },
    "clr with embedded credential": {
        "@context": [V2, "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json", OB],
        "id": "urn:clr",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": "did:example:issuer", "type": "Profile", "name": "I"},
        "name": "T",
        "partial": True,
        "credentialSubject": {
            "id": "did:example:subject",
            "type": "ClrSubject",
            "achievement": [
                {"id": "urn:a", "type": "Achievement", "name": "A", "criteria": {"narrative": "n"}}
            ],
            "association": [
                {
                    "type": "Association",
                    "associationType": "isParentOf",
                    "sourceId": "urn:a",
                    "targetId": "urn:b",
                }
            ],
            "verifiableCredential": [
                {
                    "@context": [V2, OB],
                    "id": "urn:inner",
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                    "issuer": "did:example:issuer",
                    "credentialSubject": {
                        "type": "AchievementSubject",
                        "achievement": {
                            "id": "urn:a",
                            "type": "Achievement",
                            "name": "A",
                            "criteria": {"narrative": "n"},
                        },
                    },
                }
            ],
        },
    },
    "ed25519 2020 proof": {
        "@context": [V2, EXAMPLES, "https://w3id.org/security/suites/ed25519-2020/v1"],
        "type": "Ed25519Signature2020",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": "did:example:issuer#k",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3",
    },
    "proof given as a string (empty named graph)": {
        "@context": [V2],
        "type": "VerifiableCredential",
        "proof": "did:example:123",
    },
    "graph and set container": {
        "@context": [V2, {"g": {"@id": "urn:g", "@container": ["@graph", "@set"]}}],
        "type": "VerifiableCredential",
        "g": [{"id": "urn:a", "name": "x"}, {"name": "y"}],
    },
    "embedded context in a nested node": {
        "@context": [V2, EXAMPLES],
        "type": "VerifiableCredential",
        "credentialSubject": {
            "@context": {"local": "urn:local#"},
            "id": "did:example:subject",
            "local:x": "y",
            "nested": {"local:z": "w"},
        },
    },
    "property-scoped context propagates": {
        "@context": [V2, {"p": {"@id": "urn:p", "@context": {"inner": "urn:i", "deep": "urn:d"}}}],
        "type": "VerifiableCredential",
        "p": {"inner": {"deep": "x"}},
    },
    "type-scoped context with @propagate true": {
        "@context": [
            V2,
            {"T": {"@id": "urn:T", "@context": {"@propagate": True, "a": "urn:a", "b": "urn:b"}}},
        ],
        "type": ["VerifiableCredential", "T"],
        "a": {"b": "x"},
    },
    "keyword aliases in a value object": {
        "@context": [V2, EXAMPLES, {"v": "@value", "l": "@language"}],
        "type": "VerifiableCredential",
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", "x": {"v": "hi", "l": "en"}},
    },
    "nulls and empty values": credential(
        name=None,
        credentialSubject={
            "id": "did:example:subject",
            "x": [None, "a", None],
            "y": {"@value": None},
            "z": [],
            "w": {},
        },
    ),
    "@vocab type coercion": {
        "@context": [V2, {"@vocab": "urn:v#", "k": {"@type": "@vocab"}, "Known": "urn:known"}],
        "type": "VerifiableCredential",
        "k": ["Known", "Unknown", "urn:abs"],
    },
    "list of nodes and values": {
        "@context": [V2, {"l": {"@id": "urn:l", "@container": "@list"}, "n": "urn:n"}],
        "type": "VerifiableCredential",
        "l": [{"n": "a"}, {"id": "urn:b", "n": "b"}, "s", 3],
    },
    "blank node graph name": {
        "@context": [V2, EXAMPLES],
        "id": "_:g",
        "@graph": {"id": "urn:x", "p": "v"},
    },
}


def test_top_level_array_agrees_with_pyld() -> None:
    doc = [
        {"@context": [V2, EXAMPLES], "id": "urn:a", "p": "1"},
        {"@context": [V2, EXAMPLES], "id": "urn:b", "p": "2"},
    ]
    assert jsonld.canonize(doc) == canonize_reference(doc)


@pytest.mark.parametrize("name", sorted(FEATURE_DOCS))
def test_features_agree_with_pyld(name: str) -> None:
    doc = FEATURE_DOCS[name]
    assert jsonld.canonize(doc) == canonize_reference(doc)


def test_proof_lives_in_a_blank_named_graph() -> None:
    quads = jsonld.to_rdf(FEATURE_DOCS["proof set"])
    in_graphs = [q for q in quads if q.graph is not None]
    assert {type(q.graph) for q in in_graphs} == {rdfc.BlankNode}
    assert len({q.graph for q in in_graphs}) == 2
    links = [q for q in quads if q.predicate.value == "https://w3id.org/security#proof"]
    assert {q.object for q in links} == {q.graph for q in in_graphs}


def test_type_scoped_context_does_not_propagate() -> None:
    # 'narrative' is top-level in OB 3.0, but 'criteria' is only defined inside Achievement.
    doc = copy.deepcopy(FEATURE_DOCS["list container"])
    doc["credentialSubject"]["achievement"]["criteria"] = {"criteria": "x"}
    with pytest.raises(UndefinedTerm, match=r"achievement\.criteria\.criteria"):
        jsonld.canonize(doc)


def test_property_scoped_context_applies_to_vocab_values() -> None:
    doc = FEATURE_DOCS["proof set"]
    assert "<https://w3id.org/security#authenticationMethod>" in jsonld.canonize(doc)


def test_to_rdf_gives_typed_quads_that_canonicalise_identically() -> None:
    doc = FEATURE_DOCS["clr with embedded credential"]
    quads = jsonld.to_rdf(doc)
    assert all(isinstance(q, rdfc.Quad) for q in quads)
    assert rdfc.canonicalize(quads) == jsonld.canonize(doc)


def test_repeated_calls_are_stable_and_do_not_mutate_the_document() -> None:
    doc = FEATURE_DOCS["clr with embedded credential"]
    snapshot = copy.deepcopy(doc)
    first = jsonld.canonize(doc)
    assert all(jsonld.canonize(doc) == first for _ in range(3))
    assert doc == snapshot


def test_inline_contexts_do_not_grow_caches_without_bound() -> None:
    for i in range(600):
        doc = credential()
        doc["@context"] = [V2, {"ex": f"http://example.org/{i}#"}]
        jsonld.canonize(doc)
    assert len(jsonld_processor._EMPTY._derived) <= 256


def test_extra_contexts_are_per_processor() -> None:
    url = "https://example.com/extra/v1"
    extra = {url: {"@context": {"@protected": True, "color": "https://example.com/color"}}}
    processor = jsonld.JsonLdProcessor(extra)
    doc = {"@context": [V2, url], "type": "VerifiableCredential", "color": "red"}
    assert '<https://example.com/color> "red"' in processor.canonize(doc)
    with pytest.raises(UnknownContext):
        jsonld.canonize(doc)
    assert processor.canonize(doc) == canonize_reference(doc, extra_contexts=extra)
