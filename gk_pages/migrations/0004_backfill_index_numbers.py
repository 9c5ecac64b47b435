"""Give documents that were already live before 索引号 existed their number, in the
order they were first published, as if they had been published with the rule in
place (and fill their 发布机构 from the column where it was left empty)."""

from django.db import migrations

# Wagtail's page tree (treebeard MP_Node) uses four characters per level of `path`.
STEPLEN = 4
BATCH = 1000


def backfill_index_numbers(apps, schema_editor):
    DocumentPage = apps.get_model("gk_pages", "DocumentPage")
    ColumnPage = apps.get_model("gk_pages", "ColumnPage")
    Counter = apps.get_model("gk_pages", "IndexNumberCounter")
    Organisation = apps.get_model("gk_columns", "Organisation")

    pending = DocumentPage.objects.filter(live=True, index_number__isnull=True, alias_of__isnull=True)
    if not pending.exists():
        return
    column_orgs = dict(ColumnPage.objects.values_list("path", "entry__catalogue__organisation_id"))
    codes = dict(Organisation.objects.values_list("pk", "code"))
    counters = {(c.organisation_id, c.year): c for c in Counter.objects.all()}
    taken = set(DocumentPage.objects.exclude(index_number__isnull=True).values_list("index_number", flat=True))

    changed = []
    for page in pending.order_by("first_published_at", "pk").iterator(chunk_size=BATCH):
        organisation_id = page.issuing_org_id or column_orgs.get(page.path[:-STEPLEN])
        if organisation_id is None:
            continue  # not in a column: it gets its number when next published with a 发布机构
        year = page.published_date.year
        counter = counters.get((organisation_id, year))
        if counter is None:
            counter = counters[(organisation_id, year)] = Counter(organisation_id=organisation_id, year=year)
        while True:
            counter.last_serial += 1
            number = f"{codes[organisation_id]}/{year}-{counter.last_serial:05d}"
            if number not in taken:
                break
        taken.add(number)
        page.index_number = number
        page.index_locale_id = page.locale_id
        page.issuing_org_id = organisation_id
        changed.append(page)
        if len(changed) >= BATCH:
            DocumentPage.objects.bulk_update(changed, ["index_number", "index_locale", "issuing_org"])
            changed = []
    if changed:
        DocumentPage.objects.bulk_update(changed, ["index_number", "index_locale", "issuing_org"])
    for counter in counters.values():
        counter.save()


class Migration(migrations.Migration):
    dependencies = [("gk_pages", "0003_disclosure_metadata")]

    operations = [migrations.RunPython(backfill_index_numbers, migrations.RunPython.noop)]
