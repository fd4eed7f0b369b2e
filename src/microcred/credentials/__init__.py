"""Open Badges 3.0 / VC 2.0 documents: build, prove, status lists, verify."""

from microcred.credentials.achievement_credential import (
    CredentialDraft,
    IssuerProfile,
    achievement_json,
    build,
)
from microcred.credentials.bulk_csv import (
    ALIASES,
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    BulkRow,
    Checked,
    Problem,
    check_rows,
    read_csv,
)
from microcred.credentials.certificate import CertificateFields, Paper, render_certificate
from microcred.credentials.clr import (
    Association,
    AssociationType,
    ClrDraft,
    achievement_id_of,
    build_clr,
)
from microcred.credentials.ob2 import is_ob2, jws_payload, verify_ob2
from microcred.credentials.parsing import load_json, parse_datetime
from microcred.credentials.schema import schema_errors
from microcred.credentials.status_list import Bitstring, status_list_credential, status_list_entry
from microcred.credentials.verify import (
    Check,
    CheckStatus,
    ExtraCheck,
    VerificationReport,
    Verifier,
    issuer_id,
)

__all__ = [
    "ALIASES",
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "Association",
    "AssociationType",
    "Bitstring",
    "BulkRow",
    "CertificateFields",
    "Check",
    "CheckStatus",
    "Checked",
    "ClrDraft",
    "CredentialDraft",
    "ExtraCheck",
    "IssuerProfile",
    "Paper",
    "Problem",
    "VerificationReport",
    "Verifier",
    "achievement_id_of",
    "achievement_json",
    "build",
    "build_clr",
    "check_rows",
    "is_ob2",
    "issuer_id",
    "jws_payload",
    "load_json",
    "parse_datetime",
    "read_csv",
    "render_certificate",
    "schema_errors",
    "status_list_credential",
    "status_list_entry",
    "verify_ob2",
]
