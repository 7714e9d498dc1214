"""Recovery codes kept as salted digests (README "Staff sign-in"): a table of digests hanging from django-otp's
static device, filled from the codes django-otp kept as they were, which are then deleted."""
import hashlib
import secrets

from django.db import migrations, models


def recovery_code_digest(code):
    # The same format as operations.models.accounts.recovery_code_digest, written out so that this migration
    # keeps working whatever that module becomes.
    salt, iterations = secrets.token_hex(16), 20_000
    digest = hashlib.pbkdf2_hmac("sha256", "".join(code.split()).lower().encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${digest.hex()}"


def hash_existing_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    RecoveryCode = apps.get_model("operations", "RecoveryCode")
    tokens = list(StaticToken.objects.all().values_list("pk", "device_id", "token"))
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device_id=device_id, digest=recovery_code_digest(token)) for _pk, device_id, token in tokens
    )
    StaticToken.objects.filter(pk__in=[pk for pk, _device, _token in tokens]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("operations", "0030_service_category_city_tables"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(editable=False, max_length=160)),
                ("device", models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="recovery_codes",
                                             to="otp_static.staticdevice")),
            ],
            options={"verbose_name": "recovery code"},
        ),
        migrations.RunPython(hash_existing_codes, migrations.RunPython.noop),
    ]
