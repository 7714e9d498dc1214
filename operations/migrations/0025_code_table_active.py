from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("operations", "0024_audit_actions"),
    ]

    operations = [
        migrations.AddField(
            model_name="language",
            name="is_active",
            field=models.BooleanField(
                default=True, help_text="Retired values are no longer offered in forms but stay where used.",
                verbose_name="active",
            ),
        ),
        migrations.AlterField(
            model_name="language",
            name="order",
            field=models.PositiveSmallIntegerField(default=100, verbose_name="order"),
        ),
        migrations.AddField(
            model_name="skill",
            name="is_active",
            field=models.BooleanField(
                default=True, help_text="Retired values are no longer offered in forms but stay where used.",
                verbose_name="active",
            ),
        ),
        migrations.AlterField(
            model_name="skill",
            name="order",
            field=models.PositiveSmallIntegerField(default=100, verbose_name="order"),
        ),
    ]
