"""The admin API's documents and images endpoints (/admin/api/main/documents/,
/images/), kept to the collections the user may choose from.

Wagtail's endpoints list every document and image outside privacy-restricted
collections to any admin user, whereas its choosers and listings show each user
only their collections — for an organisation's editors, their organisation's
(gk_columns.sync). gk_pages.wagtail_hooks registers these in place of Wagtail's.
"""

from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permissions import policy_registry


class ChoosableOnlyMixin:
    def get_queryset(self):
        policy = policy_registry.get_by_type(self.model)
        choosable = policy.instances_user_has_any_permission_for(self.request.user, ["choose"])
        return super().get_queryset().filter(pk__in=choosable.values("pk"))


class ScopedDocumentsAdminAPIViewSet(ChoosableOnlyMixin, DocumentsAdminAPIViewSet):
    pass


class ScopedImagesAdminAPIViewSet(ChoosableOnlyMixin, ImagesAdminAPIViewSet):
    pass
