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
    "Bitstring",
    "BulkRow",
    "CertificateFields",
    "Check",
    "CheckStatus",
    "Checked",
    "CredentialDraft",
    "ExtraCheck",
    "IssuerProfile",
    "Paper",
    "Problem",
    "VerificationReport",
    "Verifier",
    "achievement_json",
    "build",
    "check_rows",
    "issuer_id",
    "load_json",
    "parse_datetime",
    "read_csv",
    "render_certificate",
    "schema_errors",
    "status_list_credential",
    "status_list_entry",
]
