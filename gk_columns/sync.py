"""Column sync: turns published catalogues into the page tree.

For every organisation with a published catalogue it makes sure that

* the organisation has its OrganisationPage under the portal home, and an
  editors group whose page permissions cover only that subtree;
* unless settings.GK_REVIEW_WORKFLOW is False, the organisation's review
  workflow (保密审查 → 审核, gk_columns.workflows) governs that subtree, so its
  editors submit for review instead of publishing;
* every entry that requires a column (主动, not 不适用) has exactly one
  ColumnPage, under the DomainPage of the entry's domain, titled after the
  entry (columns are found again through the entry's lineage, so a new
  catalogue version re-points existing columns instead of making new ones);
* every column whose entry is gone is retired: unpublished and flagged, its
  content kept — never deleted.

Retired columns take their items offline with them. A retired column is no
longer part of the published catalogue, so nothing in it may stay reachable by
URL, listed, in the sitemap, the 规范性文件库 or search: its live items (in
every language) are unpublished together with it, content kept, each with a
history entry giving the reason 栏目已停用. Information that is still valid and
must stay public is moved by an editor into a current column and published
there. Nothing can be published into a retired column
(gk_pages.disclosure.publication_problems). When a later catalogue version
brings the entry back, the column is restored and published, but its items stay
unpublished drafts: editors republish them one by one, having checked that each
is still current. (The public side also hides anything below an unpublished
page, gk_pages.visibility, should a page be made live past these rules.)

`ColumnSync.plan()` says what would change; `apply()` does it and returns the
same plan. Both are idempotent: after `apply()` a new plan is empty.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from .models import Catalogue, Organisation

EDITOR_GROUP_SUFFIX = "信息公开编辑"
# The reviewer groups of the organisation's review workflow (gk_columns.workflows).
CONFIDENTIALITY_REVIEWER_GROUP_SUFFIX = "保密审查员"
APPROVER_GROUP_SUFFIX = "信息公开审核员"
REVIEW_WORKFLOW_SUFFIX = "信息发布审核"
# Editors publish directly only where no review workflow governs their pages: Wagtail
# lets whoever holds publish_page publish past a workflow.
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
EDITOR_PAGE_PERMISSIONS_WITHOUT_REVIEW = ("add_page", "change_page", "publish_page")
EDITOR_COLLECTION_PERMISSIONS = (
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
)


# The history entry of an item unpublished because its column was retired.
RETIRED_WITH_COLUMN_ACTION = "gk.retired_with_column"
RETIRED_WITH_COLUMN_REASON = "栏目已停用"


class SyncError(Exception):
    pass


@dataclass
class SyncPlan:
    create: list = field(default_factory=list)
    update: list = field(default_factory=list)
    retire: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.create or self.update or self.retire)

    def as_dict(self):
        return {"create": self.create, "update": self.update, "retire": self.retire}

    def extend(self, other):
        self.create += other.create
        self.update += other.update
        self.retire += other.retire


def page_models():
    get = lambda name: apps.get_model("gk_pages", name)  # noqa: E731 - the page app is optional at import time
    return get("PortalHomePage"), get("OrganisationPage"), get("DomainPage"), get("ColumnPage")


def unique_child_slug(parent, base):
    """A slug free among `parent`'s children (Wagtail requires sibling slugs to differ)."""
    base = slugify(base, allow_unicode=True)[:200] or "lanmu"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


class ColumnSync:
    def __init__(self, organisations=None, portal=None, user=None, catalogues=None):
        """`catalogues` maps organisation ids to a catalogue version to sync against
        instead of the published one (to preview what publishing it would do)."""
        self.organisations = organisations
        self.portal = portal
        self.user = user
        self.catalogues = catalogues or {}

    # -- inputs -------------------------------------------------------------

    def get_portal(self):
        if self.portal is None:
            PortalHomePage = page_models()[0]
            self.portal = PortalHomePage.objects.order_by("path").first()
        if self.portal is None:
            raise SyncError("没有信息公开专栏首页（PortalHomePage），请先运行 gk setup-portal 或在后台创建。")
        return self.portal

    def get_organisations(self):
        if self.organisations is not None:
            return list(self.organisations)
        org_ids = Catalogue.objects.current().values("organisation_id")
        return list(Organisation.objects.filter(pk__in=org_ids).order_by("order", "pk"))

    # -- planning -----------------------------------------------------------

    def plan(self):
        return self._run(apply=False)

    def apply(self):
        with transaction.atomic():
            return self._run(apply=True)

    def _run(self, apply):
        portal = self.get_portal()
        plan = SyncPlan()
        for organisation in self.get_organisations():
            plan.extend(self._sync_organisation(portal, organisation, apply))
        return plan

    def _sync_organisation(self, portal, organisation, apply):
        _, OrganisationPage, DomainPage, ColumnPage = page_models()
        plan = SyncPlan()
        catalogue = self.catalogues.get(organisation.pk) or organisation.current_catalogue()
        locale_id = portal.locale_id

        org_page = OrganisationPage.objects.filter(organisation=organisation, structure_locale_id=locale_id).first()
        if org_page is None:
            plan.create.append({"organisation": organisation.code, "type": "organisation", "title": organisation.name})
            if apply:
                org_page = portal.add_child(
                    instance=OrganisationPage(
                        title=organisation.name,
                        slug=unique_child_slug(portal, organisation.code),
                        organisation=organisation,
                        locale_id=locale_id,
                    )
                )
                self._publish(org_page)
        elif org_page.title != organisation.name:
            plan.update.append(
                {
                    "organisation": organisation.code,
                    "type": "organisation",
                    "page_id": org_page.pk,
                    "title": organisation.name,
                    "changes": {"title": [org_page.title, organisation.name]},
                }
            )
            if apply:
                org_page.title = organisation.name
                self._publish(org_page)
        if apply and org_page is not None:
            from .workflows import ensure_review_workflow, review_workflow_enabled

            ensure_editors_group(organisation, org_page)
            if review_workflow_enabled():
                ensure_review_workflow(organisation, org_page)

        required = catalogue.required_entries() if catalogue else []
        columns = list(
            ColumnPage.objects.filter(entry__catalogue__organisation=organisation, structure_locale_id=locale_id)
            .select_related("entry__catalogue", "entry__domain")
            .order_by("path")
        )
        by_lineage = {}
        duplicates = []
        for column in columns:
            if column.entry.lineage in by_lineage:
                duplicates.append(column)
            else:
                by_lineage[column.entry.lineage] = column

        domain_pages = {}
        if org_page is not None and org_page.pk:
            domain_pages = {
                d.domain_id: d for d in DomainPage.objects.filter(organisation=organisation, structure_locale_id=locale_id)
            }

        def domain_page_for(entry):
            page = domain_pages.get(entry.domain_id)
            if page is None and apply:
                page = org_page.add_child(
                    instance=DomainPage(
                        title=entry.domain.name,
                        slug=unique_child_slug(org_page, entry.domain.code),
                        organisation=organisation,
                        domain=entry.domain,
                        locale_id=locale_id,
                    )
                )
                self._publish(page)
                domain_pages[entry.domain_id] = page
            return page

        required_lineages = set()
        for entry in required:
            required_lineages.add(entry.lineage)
            column = by_lineage.get(entry.lineage)
            item = {
                "organisation": organisation.code,
                "type": "column",
                "title": entry.title,
                "domain": entry.domain.name,
                "entry": entry.label,
            }
            if column is None:
                plan.create.append(item)
                if apply:
                    parent = domain_page_for(entry)
                    column = parent.add_child(
                        instance=ColumnPage(
                            title=entry.title,
                            slug=unique_child_slug(parent, entry.title),
                            entry=entry,
                            locale_id=locale_id,
                        )
                    )
                    self._publish(column)
                continue

            changes = {}
            if column.entry_id != entry.pk:
                changes["entry"] = [column.entry.catalogue.version, catalogue.version]
            if column.title != entry.title:
                changes["title"] = [column.title, entry.title]
            if column.entry.domain_id != entry.domain_id or (
                entry.domain_id in domain_pages and not column.path.startswith(domain_pages[entry.domain_id].path)
            ):
                changes["domain"] = [column.entry.domain.name, entry.domain.name]
            if column.retired:
                changes["restore"] = True
            if not changes:
                continue
            plan.update.append({**item, "page_id": column.pk, "changes": changes})
            if apply:
                # Facts the sync owns go to the database first: publishing rebuilds the
                # page from its stored row, and ColumnPage.with_content_json keeps them.
                column.entry = entry
                column.title = entry.title
                column.retired = False
                column.retired_at = None
                column.save(update_fields=["entry", "title", "retired", "retired_at"], clean=False)
                if "domain" in changes:
                    column.move(domain_page_for(entry), pos="last-child", user=self.user)
                    column.refresh_from_db()
                self._publish(column)

        for column in duplicates + [c for lineage, c in by_lineage.items() if lineage not in required_lineages]:
            if column.retired:
                continue
            items = live_items(column)
            plan.retire.append(
                {
                    "organisation": organisation.code,
                    "type": "column",
                    "page_id": column.pk,
                    "title": column.title,
                    "entry": column.entry.label,
                    "live_items": len(items),
                }
            )
            if apply:
                self._retire(column, items)
        return plan

    def _retire(self, column, items):
        """Unpublish the column's live items, then the column (with its aliases and
        translations), and flag it retired. Content is kept; each item's history
        says why it went offline."""
        from wagtail.log_actions import log

        # Translations first: each goes offline for the column's reason, rather than
        # with its source (gk_pages.translations) a moment before the loop reached it.
        for item in sorted(items, key=lambda item: item.locale_id == column.locale_id):
            item.unpublish(user=self.user, log_action=False)
            log(
                instance=item,
                action=RETIRED_WITH_COLUMN_ACTION,
                user=self.user,
                data={"reason": RETIRED_WITH_COLUMN_REASON, "column": column.pk, "column_title": column.title},
            )
        for translation in column.get_translations().filter(live=True, alias_of__isnull=True):
            translation.unpublish(user=self.user)
        if column.live:
            # Wagtail unpublishes the column's aliases (other languages' trees) with it.
            column.unpublish(user=self.user)
            column.refresh_from_db()
        column.retired = True
        column.retired_at = timezone.now()
        column.save(update_fields=["retired", "retired_at"], clean=False)

    def _publish(self, page):
        """Save and publish through Wagtail's revision path, so that publish
        signals (search indexing, logging) fire as for an editor's publish."""
        revision = page.save_revision(user=self.user, log_action=False)
        revision.publish(user=self.user, log_action="gk.column_sync")


def live_items(column):
    """The live pages below `column` and below its translations and aliases in other
    languages, as their specific types: what goes offline when the column is retired."""
    from wagtail.models import Page

    below = models.Q()
    for page in [column, *column.get_translations()]:
        below |= models.Q(path__startswith=page.path, depth__gt=page.depth)
    return list(Page.objects.filter(below, live=True).order_by("-depth", "path").specific())


def find_organisation_group(organisation, org_page, suffix):
    """The organisation's group named `<organisation name><suffix>`, also when the
    organisation was renamed since: then it is the group with that suffix holding
    page permissions on the organisation's page (or, for groups without page
    permissions, assigned to one of the workflow tasks on it), and it is renamed.
    None if there is none yet."""
    from wagtail.models import WorkflowPage

    name = f"{organisation.name}{suffix}"
    group = Group.objects.filter(name=name).first()
    if group is None:
        held = models.Q(page_permissions__page=org_page)
        workflow_id = WorkflowPage.objects.filter(page=org_page).values_list("workflow_id", flat=True).first()
        if workflow_id is not None:
            held |= models.Q(groupapprovaltask__workflow_tasks__workflow_id=workflow_id)
        group = Group.objects.filter(held, name__endswith=suffix).distinct().order_by("pk").first()
        if group is not None:
            group.name = name
            group.save(update_fields=["name"])
    return group


def organisation_group(organisation, org_page, suffix):
    group = find_organisation_group(organisation, org_page, suffix)
    if group is None:
        group = Group.objects.create(name=f"{organisation.name}{suffix}")
    return group


def set_group_page_permissions(group, page, codenames, managed):
    """Give `group` exactly `codenames` among the `managed` page permissions on
    `page`; permissions an administrator added beyond `managed` are left alone."""
    from wagtail.models import GroupPagePermission

    for codename in codenames:
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)
    GroupPagePermission.objects.filter(
        group=group, page=page, permission__content_type__app_label="wagtailcore", permission__codename__in=managed
    ).exclude(permission__codename__in=codenames).delete()


def ensure_editors_group(organisation, org_page):
    """The organisation's editors group: page rights on its own subtree only,
    and document/image rights in its own collection. Editors may publish only
    where no review workflow governs the subtree (settings.GK_REVIEW_WORKFLOW)."""
    from wagtail.models import Collection, GroupCollectionPermission

    from .workflows import review_workflow_enabled

    group = organisation_group(organisation, org_page, EDITOR_GROUP_SUFFIX)
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    group.permissions.add(access_admin)
    codenames = EDITOR_PAGE_PERMISSIONS if review_workflow_enabled() else EDITOR_PAGE_PERMISSIONS_WITHOUT_REVIEW
    set_group_page_permissions(group, org_page, codenames, managed=EDITOR_PAGE_PERMISSIONS_WITHOUT_REVIEW)

    root_collection = Collection.get_first_root_node()
    collection = root_collection.get_children().filter(name=organisation.name).first()
    if collection is None:
        # Renamed organisation: its collection is the one its editors group works in.
        collection = (
            root_collection.get_children()
            .filter(group_permissions__group=group)
            .order_by("path")
            .first()
        )
        if collection is not None:
            collection.name = organisation.name
            collection.save(update_fields=["name"])
    if collection is None:
        collection = root_collection.add_child(name=organisation.name)
    for app_label, codename in EDITOR_COLLECTION_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        GroupCollectionPermission.objects.get_or_create(group=group, collection=collection, permission=permission)
    return group
