import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ai", "0003_shadow_review")]

    operations = [
        migrations.CreateModel(
            name="PromptScan",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("user", models.CharField(blank=True, db_index=True, max_length=150)),
                ("department", models.CharField(blank=True, max_length=200)),
                ("service", models.CharField(blank=True, help_text="Catalog service name.", max_length=200)),
                ("destination", models.CharField(blank=True, help_text="Host the prompt was for.", max_length=255)),
                ("policy", models.CharField(max_length=10)),
                ("outcome", models.CharField(choices=[("blocked", "Blocked"), ("masked", "Masked"), ("reported", "Reported (let through)"), ("clean", "No identifier")], max_length=10)),
                ("identifiers", models.PositiveIntegerField(default=0)),
                ("counts", models.JSONField(blank=True, default=dict, help_text="Identifiers by type.")),
                ("characters", models.PositiveIntegerField(default=0)),
            ],
            options={"ordering": ["-at"]},
        ),
    ]
