"""E-mail offers over HTTP: an achievement's "offer before issuing" policy (admins), a
credential's offer (staff and its holder) and sending the claim e-mail again (issuers)."""

from __future__ import annotations

from fastapi import APIRouter, status

from microcred.errors import NotFound
from microcred.web.api.deps import ContainerDep, PrincipalDep
from microcred.web.api.mail.schemas import OfferPolicyPublic, OfferPolicyUpdate, OfferPublic

router = APIRouter(prefix="/api/v1", tags=["mail"])


@router.get("/achievements/{achievement_id}/offer-policy")
def get_policy(achievement_id: str, p: PrincipalDep, c: ContainerDep) -> OfferPolicyPublic:
    """Whether the achievement's credentials are offered before they are shown."""
    return OfferPolicyPublic(
        achievement_id=achievement_id, offer_first=c.mail.offers.offer_first(p, achievement_id)
    )


@router.put("/achievements/{achievement_id}/offer-policy")
def put_policy(
    achievement_id: str, body: OfferPolicyUpdate, p: PrincipalDep, c: ContainerDep
) -> OfferPolicyPublic:
    """Offer the achievement's future credentials first (or issue them straight away)."""
    on = c.mail.offers.set_offer_first(p, achievement_id, body.offer_first)
    return OfferPolicyPublic(achievement_id=achievement_id, offer_first=on)


@router.get("/credentials/{credential_id}/offer")
def get_offer(credential_id: str, p: PrincipalDep, c: ContainerDep) -> OfferPublic:
    """The credential's offer: offered, accepted or declined."""
    found = c.mail.offers.offer_of(p, credential_id)
    if found is None:
        raise NotFound("That credential was not offered.")
    return OfferPublic.of(found)


@router.post("/credentials/{credential_id}/offer/resend", status_code=status.HTTP_202_ACCEPTED)
def resend(credential_id: str, p: PrincipalDep, c: ContainerDep) -> OfferPublic:
    """E-mail the claim link again (a fresh one; the earlier link stops working when sent)."""
    return OfferPublic.of(c.mail.offers.resend(p, credential_id))
