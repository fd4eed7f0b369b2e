"""What anyone may read about an organisation: its profile as its credentials name the issuer,
and the micro-credentials it awards (the organisation's public page and the achievement URL in
every credential). Nothing here names people or counts recipients."""

from __future__ import annotations

from microcred.credentials.achievement_credential import IssuerProfile
from microcred.domain.achievement import Achievement
from microcred.domain.identity import Organisation
from microcred.errors import NotFound
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.credentials.keys import IssuerKeys
from microcred.services.urls import PublicUrls

#: how many micro-credentials an organisation's public page lists at most
MAX_LISTED = 200


def issuer_profile(org: Organisation, issuer_id: str) -> IssuerProfile:
    """The organisation as the issuer of a credential whose issuer id is ``issuer_id``."""
    return IssuerProfile(
        id=issuer_id, name=org.name, url=org.url, email=org.email, description=org.description
    )


class PublicDirectory:
    """Organisations and their micro-credentials, by slug, for everyone."""

    def __init__(self, uow: UnitOfWorkFactory, keys: IssuerKeys, urls: PublicUrls) -> None:
        self._uow = uow
        self._keys = keys
        self._urls = urls

    def organisation(self, slug: str) -> Organisation:
        """The organisation with this slug."""
        with self._uow() as uow:
            org = uow.public.organisation_by_slug(slug)
        if org is None:
            raise NotFound("No such organisation.")
        return org

    def issuer(self, org: Organisation) -> IssuerProfile:
        """The organisation as its credentials name it: its did:web, else its active Ed25519
        (then any active) key's DID, else its public page."""
        with self._uow() as uow:
            keys = [k for k in uow.public.keys_of(org.id) if k.active]
        keys.sort(key=lambda k: k.algorithm != "Ed25519")
        if org.did_method == "web":
            issuer_id = self._urls.did_web(org.slug)
        elif keys:
            issuer_id = self._keys.issuer_id(org, keys[0])
        else:
            issuer_id = f"{self._urls.base}/orgs/{org.slug}"
        return issuer_profile(org, issuer_id)

    def achievements(self, org: Organisation) -> list[Achievement]:
        """The micro-credentials it awards, by name (at most `MAX_LISTED`)."""
        with self._uow() as uow:
            found = list(uow.tenant(org.id).achievements.list(offset=0, limit=MAX_LISTED))
        return sorted(found, key=lambda a: a.name.lower())

    def achievement(self, org: Organisation, achievement_id: str) -> Achievement:
        """One of its micro-credentials."""
        with self._uow() as uow:
            found = uow.tenant(org.id).achievements.get(achievement_id)
        if found is None:
            raise NotFound("No such micro-credential.")
        return found
