"""Micro-credentials, issuer keys, issuance, status changes (and holders' privacy), status lists
and verification."""

from microcred.services.credentials.achievements import AchievementInput, AchievementService
from microcred.services.credentials.bulk import BULK_JOB, BulkIssuance
from microcred.services.credentials.directory import PublicDirectory, issuer_profile
from microcred.services.credentials.fetch_budget import FetchBudget
from microcred.services.credentials.imports import FORMAT_WORDS, CredentialImports
from microcred.services.credentials.issuance import IssuanceService, IssueRequest, Suite
from microcred.services.credentials.keys import IssuerKeys
from microcred.services.credentials.learner_record import LearnerRecords
from microcred.services.credentials.offers import DECLINED_REASON, ClaimView, CredentialOffers
from microcred.services.credentials.presented import (
    RecipientCheck,
    insist_on_status,
    presented_text,
)
from microcred.services.credentials.status import (
    CredentialService,
    PublicDocuments,
    commitment_of,
    holds,
    may_view,
)
from microcred.services.credentials.status_lists import StatusLists
from microcred.services.credentials.verification import LocalFirstFetcher, VerificationService

__all__ = [
    "BULK_JOB",
    "DECLINED_REASON",
    "FORMAT_WORDS",
    "AchievementInput",
    "AchievementService",
    "BulkIssuance",
    "ClaimView",
    "CredentialImports",
    "CredentialOffers",
    "CredentialService",
    "FetchBudget",
    "IssuanceService",
    "IssueRequest",
    "IssuerKeys",
    "LearnerRecords",
    "LocalFirstFetcher",
    "PublicDirectory",
    "PublicDocuments",
    "RecipientCheck",
    "StatusLists",
    "Suite",
    "VerificationService",
    "commitment_of",
    "holds",
    "insist_on_status",
    "issuer_profile",
    "may_view",
    "presented_text",
]
