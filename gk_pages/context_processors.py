from wagtail.models import Site

from .models import PortalIdentity


def portal_identity(request):
    """Footer identifiers (主办单位, 网站标识码, 备案号) from the site's settings."""
    site = Site.find_for_request(request)
    if site is None:
        return {}
    identity = PortalIdentity.for_site(site)
    return {
        "gk_sponsor": identity.sponsor,
        "gk_site_code": identity.site_code,
        "gk_icp_number": identity.icp_number,
        "gk_psb_number": identity.psb_number,
    }
