import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="PendingIndexChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("page_id", models.IntegerField(db_index=True, verbose_name="页面ID")),
                (
                    "action",
                    models.CharField(
                        choices=[("index", "更新该页"), ("subtree", "更新该页及其下级"), ("delete", "删除")],
                        max_length=10,
                        verbose_name="操作",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="记录时间")),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="尝试次数")),
                ("last_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="最近尝试")),
                ("last_error", models.TextField(blank=True, verbose_name="最近错误")),
            ],
            options={
                "verbose_name": "待同步的索引变更",
                "verbose_name_plural": "待同步的索引变更",
                "ordering": ["pk"],
            },
        ),
        migrations.CreateModel(
            name="SynonymSet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="名称")),
                ("enabled", models.BooleanField(default=True, verbose_name="启用")),
                ("note", models.TextField(blank=True, verbose_name="说明")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="修改时间")),
            ],
            options={
                "verbose_name": "同义词组",
                "verbose_name_plural": "同义词组",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="Synonym",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "terms",
                    models.CharField(
                        help_text="用逗号或顿号分隔的同义词，如“低保，最低生活保障”；单向规则写作“简称 => 全称”，表示含全称的信息也能用简称搜到，反之不然。",
                        max_length=500,
                        verbose_name="同义词",
                    ),
                ),
                (
                    "synonym_set",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="synonyms",
                        to="search.synonymset",
                        verbose_name="同义词组",
                    ),
                ),
            ],
            options={
                "verbose_name": "同义词规则",
                "verbose_name_plural": "同义词规则",
                "ordering": ["sort_order"],
                "abstract": False,
            },
        ),
    ]
