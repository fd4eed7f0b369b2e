"""Micro-credentials, issuer keys, issuance, status changes (and holders' privacy), status lists
and verification."""

from microcred.services.credentials.achievements import AchievementInput, AchievementService
from microcred.services.credentials.bulk import BULK_JOB, BulkIssuance
from microcred.services.credentials.fetch_budget import FetchBudget
from microcred.services.credentials.issuance import IssuanceService, IssueRequest, Suite
from microcred.services.credentials.keys import IssuerKeys
from microcred.services.credentials.offers import DECLINED_REASON, ClaimView, CredentialOffers
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
    "AchievementInput",
    "AchievementService",
    "BulkIssuance",
    "ClaimView",
    "CredentialOffers",
    "CredentialService",
    "FetchBudget",
    "IssuanceService",
    "IssueRequest",
    "IssuerKeys",
    "LocalFirstFetcher",
    "PublicDocuments",
    "StatusLists",
    "Suite",
    "VerificationService",
    "commitment_of",
    "holds",
    "may_view",
]
