"""Districts as a code table (README "The organisation tree and the code tables"): the table, filled with the
districts of the six host and nearby cities (`operations.models.district_names`), and the PostgreSQL triggers
keeping the `district` columns of volunteers, organisations and unit applications to their city's districts."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

import operations.models.code_values
import operations.models.codes
from operations.models.district_names import DISTRICTS


def seed(apps, schema_editor):
    District = apps.get_model("operations", "District")
    for city, districts in DISTRICTS:
        for i, (code, name, name_en) in enumerate(districts):
            District.objects.get_or_create(city=city, code=code, defaults={"name": name, "name_en": name_en,
                                                                           "order": (i + 1) * 10})


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0034_count_from_lock_keys'),
    ]

    operations = [
        migrations.CreateModel(
            name='District',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, verbose_name='name (Chinese)')),
                ('order', models.PositiveSmallIntegerField(default=100, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, help_text='Retired values are no longer offered in forms but stay where used.', verbose_name='active')),
                ('city', models.CharField(choices=operations.models.code_values.city_choices, max_length=32, verbose_name='city')),
                ('code', models.SlugField(max_length=32, verbose_name='code')),
                ('name_en', models.CharField(max_length=80, verbose_name='name (English)')),
            ],
            options={
                'verbose_name': 'district',
                'verbose_name_plural': 'districts',
                'ordering': [models.OrderBy(operations.models.codes.CityOrder()), 'city', 'order', 'code'],
                'abstract': False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='orgnode',
            trigger=pgtrigger.compiler.Trigger(name='orgnode_district_ins', sql=pgtrigger.compiler.UpsertTriggerSql(func='\n    IF NEW.district <> \'\' AND EXISTS (SELECT 1 FROM operations_district WHERE city = NEW.city) THEN\n        -- the key-share lock keeps the district from being deleted (or renamed) until this transaction ends\n        PERFORM 1 FROM operations_district WHERE city = NEW.city AND name = NEW.district FOR KEY SHARE;\n        IF NOT FOUND THEN\n            RAISE EXCEPTION \'district "%" is not a district of city "%"\', NEW.district, NEW.city\n                USING ERRCODE = \'foreign_key_violation\';\n        END IF;\n    END IF;\n    RETURN NEW;\n', hash='0728323c85937b95165297d82e5af47db6518d2f', operation='INSERT', pgid='pgtrigger_orgnode_district_ins_4debe', table='operations_orgnode', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='orgnode',
            trigger=pgtrigger.compiler.Trigger(name='orgnode_district_upd', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."district" IS DISTINCT FROM (NEW."district") OR OLD."city" IS DISTINCT FROM (NEW."city"))', func='\n    IF NEW.district <> \'\' AND EXISTS (SELECT 1 FROM operations_district WHERE city = NEW.city) THEN\n        -- the key-share lock keeps the district from being deleted (or renamed) until this transaction ends\n        PERFORM 1 FROM operations_district WHERE city = NEW.city AND name = NEW.district FOR KEY SHARE;\n        IF NOT FOUND THEN\n            RAISE EXCEPTION \'district "%" is not a district of city "%"\', NEW.district, NEW.city\n                USING ERRCODE = \'foreign_key_violation\';\n        END IF;\n    END IF;\n    RETURN NEW;\n', hash='cc23a5716e1eeb9768b27e1a7798529b4ae21603', operation='UPDATE', pgid='pgtrigger_orgnode_district_upd_97b93', table='operations_orgnode', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='unitapplication',
            trigger=pgtrigger.compiler.Trigger(name='unit_application_district_ins', sql=pgtrigger.compiler.UpsertTriggerSql(func='\n    IF NEW.district <> \'\' AND EXISTS (SELECT 1 FROM operations_district WHERE city = NEW.city) THEN\n        -- the key-share lock keeps the district from being deleted (or renamed) until this transaction ends\n        PERFORM 1 FROM operations_district WHERE city = NEW.city AND name = NEW.district FOR KEY SHARE;\n        IF NOT FOUND THEN\n            RAISE EXCEPTION \'district "%" is not a district of city "%"\', NEW.district, NEW.city\n                USING ERRCODE = \'foreign_key_violation\';\n        END IF;\n    END IF;\n    RETURN NEW;\n', hash='85fbdefe41e9b913b3a44ffd47155303938b66da', operation='INSERT', pgid='pgtrigger_unit_application_district_ins_7dbe4', table='operations_unitapplication', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='unitapplication',
            trigger=pgtrigger.compiler.Trigger(name='unit_application_district_upd', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."district" IS DISTINCT FROM (NEW."district") OR OLD."city" IS DISTINCT FROM (NEW."city"))', func='\n    IF NEW.district <> \'\' AND EXISTS (SELECT 1 FROM operations_district WHERE city = NEW.city) THEN\n        -- the key-share lock keeps the district from being deleted (or renamed) until this transaction ends\n        PERFORM 1 FROM operations_district WHERE city = NEW.city AND name = NEW.district FOR KEY SHARE;\n        IF NOT FOUND THEN\n            RAISE EXCEPTION \'district "%" is not a district of city "%"\', NEW.district, NEW.city\n                USING ERRCODE = \'foreign_key_violation\';\n        END IF;\n    END IF;\n    RETURN NEW;\n', hash='b617776efa4fe1c8a66f8937a9e1aade2bc71931', operation='UPDATE', pgid='pgtrigger_unit_application_district_upd_0a8af', table='operations_unitapplication', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='volunteer',
            trigger=pgtrigger.compiler.Trigger(name='volunteer_district_ins', sql=pgtrigger.compiler.UpsertTriggerSql(func='\n    IF NEW.district <> \'\' AND EXISTS (SELECT 1 FROM operations_district WHERE city = NEW.city) THEN\n        -- the key-share lock keeps the district from being deleted (or renamed) until this transaction ends\n        PERFORM 1 FROM operations_district WHERE city = NEW.city AND name = NEW.district FOR KEY SHARE;\n        IF NOT FOUND THEN\n            RAISE EXCEPTION \'district "%" is not a district of city "%"\', NEW.district, NEW.city\n                USING ERRCODE = \'foreign_key_violation\';\n        END IF;\n    END IF;\n    RETURN NEW;\n', hash='13fffd8f03e8c0468c5990cd09fc2746b6e8a64e', operation='INSERT', pgid='pgtrigger_volunteer_district_ins_d5e5d', table='operations_volunteer', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='volunteer',
            trigger=pgtrigger.compiler.Trigger(name='volunteer_district_upd', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."district" IS DISTINCT FROM (NEW."district") OR OLD."city" IS DISTINCT FROM (NEW."city"))', func='\n    IF NEW.district <> \'\' AND EXISTS (SELECT 1 FROM operations_district WHERE city = NEW.city) THEN\n        -- the key-share lock keeps the district from being deleted (or renamed) until this transaction ends\n        PERFORM 1 FROM operations_district WHERE city = NEW.city AND name = NEW.district FOR KEY SHARE;\n        IF NOT FOUND THEN\n            RAISE EXCEPTION \'district "%" is not a district of city "%"\', NEW.district, NEW.city\n                USING ERRCODE = \'foreign_key_violation\';\n        END IF;\n    END IF;\n    RETURN NEW;\n', hash='3dcde9b15a9d680e5291b41db5b806fee6c2c808', operation='UPDATE', pgid='pgtrigger_volunteer_district_upd_d2f87', table='operations_volunteer', when='BEFORE')),
        ),
        migrations.AddConstraint(
            model_name='district',
            constraint=models.UniqueConstraint(fields=('city', 'code'), name='district_code_unique_per_city'),
        ),
        migrations.AddConstraint(
            model_name='district',
            constraint=models.UniqueConstraint(fields=('city', 'name'), name='district_name_unique_per_city'),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
