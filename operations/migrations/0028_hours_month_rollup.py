"""The monthly roll-up of service hours (ServiceHoursMonth), kept by triggers on the ledger: PostgreSQL's are
django-pgtrigger's (declared on ServiceRecord); SQLite's (`make run`) are created here. Filled from the ledger
after the triggers exist (the migration holds the ledger's lock from the first trigger on, so no write slips
between the two)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

ROLLUP = "operations_servicehoursmonth"
LEDGER = "operations_servicerecord"
KEY = "volunteer_id, unit_id, category, month"
CHANGED = ("OLD.volunteer_id IS NOT NEW.volunteer_id OR OLD.unit_id IS NOT NEW.unit_id OR OLD.category IS NOT "
           "NEW.category OR OLD.date IS NOT NEW.date OR OLD.hours IS NOT NEW.hours OR OLD.people_served IS NOT "
           "NEW.people_served OR OLD.misuse_at IS NOT NEW.misuse_at")


def _sqlite_add(row: str, where: str = "") -> str:
    values = (f"{row}.volunteer_id, {row}.unit_id, {row}.category, date({row}.date, 'start of month'), {row}.hours, 1, "
              f"{row}.people_served")
    return (f"INSERT INTO {ROLLUP} ({KEY}, hours, records, people_served) SELECT {values} WHERE {where or '1'} "
            f"ON CONFLICT ({KEY}) DO UPDATE SET hours = hours + excluded.hours, records = records + 1, "
            f"people_served = people_served + excluded.people_served;")


def _sqlite_remove(row: str) -> str:
    match = (f"volunteer_id = {row}.volunteer_id AND unit_id = {row}.unit_id AND category = {row}.category "
             f"AND month = date({row}.date, 'start of month')")
    return (f"UPDATE {ROLLUP} SET hours = hours - {row}.hours, records = records - 1, "
            f"people_served = people_served - {row}.people_served WHERE {row}.misuse_at IS NULL AND {match}; "
            f"DELETE FROM {ROLLUP} WHERE {match} AND records = 0;")


SQLITE_TRIGGERS = {
    "service_record_rollup_ins": f"AFTER INSERT ON {LEDGER} BEGIN {_sqlite_add('NEW', 'NEW.misuse_at IS NULL')} END",
    "service_record_rollup_upd": (f"AFTER UPDATE ON {LEDGER} WHEN {CHANGED} BEGIN {_sqlite_remove('OLD')} "
                                  f"{_sqlite_add('NEW', 'NEW.misuse_at IS NULL')} END"),
    "service_record_rollup_del": f"AFTER DELETE ON {LEDGER} BEGIN {_sqlite_remove('OLD')} END",
}


def sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, body in SQLITE_TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(f"CREATE TRIGGER {name} {body}")


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in SQLITE_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def backfill(apps, schema_editor):
    month = ("date_trunc('month', date)::date" if schema_editor.connection.vendor == "postgresql"
             else "date(date, 'start of month')")
    schema_editor.execute(
        f"INSERT INTO {ROLLUP} ({KEY}, hours, records, people_served) "
        f"SELECT volunteer_id, unit_id, category, {month}, SUM(hours), COUNT(*), SUM(people_served) "
        f"FROM {LEDGER} WHERE misuse_at IS NULL GROUP BY volunteer_id, unit_id, category, {month}")


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0027_import_jobs'),
    ]

    operations = [
        migrations.CreateModel(
            name='ServiceHoursMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('category', models.CharField(blank=True, choices=[('social_welfare', 'Social welfare'), ('health', 'Health care'), ('general', 'General'), ('culture', 'Culture'), ('education', 'Education'), ('sports', 'Sports'), ('environment', 'Environmental protection'), ('civil_affairs', 'Civil affairs'), ('fire_rescue', 'Fire and disaster rescue'), ('traffic', 'Traffic safety'), ('other', 'Other')], max_length=32, verbose_name='service category')),
                ('month', models.DateField(verbose_name='Month')),
                ('hours', models.DecimalField(decimal_places=1, max_digits=9, verbose_name='hours')),
                ('records', models.PositiveIntegerField(verbose_name='service records')),
                ('people_served', models.BigIntegerField(verbose_name='people served')),
            ],
            options={
                'verbose_name': 'Service hours by month and category',
                'verbose_name_plural': 'Service hours by month and category',
            },
        ),
        migrations.AddField(
            model_name='servicehoursmonth',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='operations.orgnode', verbose_name='unit'),
        ),
        migrations.AddField(
            model_name='servicehoursmonth',
            name='volunteer',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='operations.volunteer'),
        ),
        migrations.AddConstraint(
            model_name='servicehoursmonth',
            constraint=models.UniqueConstraint(fields=('volunteer', 'unit', 'category', 'month'), name='service_hours_month_key'),
        ),
        migrations.AddIndex(
            model_name='servicehoursmonth',
            index=models.Index(fields=['volunteer', 'month'], include=('category', 'unit', 'hours'), name='service_hours_month_volunteer'),
        ),
        migrations.AddIndex(
            model_name='servicehoursmonth',
            index=models.Index(fields=['unit', 'month'], name='service_hours_month_unit'),
        ),
        migrations.AddIndex(
            model_name='servicehoursmonth',
            index=models.Index(fields=['category', 'volunteer'], include=('month', 'unit', 'hours'), name='service_hours_month_category'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='servicerecord',
            trigger=pgtrigger.compiler.Trigger(name='service_record_rollup_ins', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE remaining integer;', func="\n    IF TG_OP <> 'INSERT' AND OLD.misuse_at IS NULL THEN\n        UPDATE operations_servicehoursmonth SET hours = hours - OLD.hours, records = records - 1,\n               people_served = people_served - OLD.people_served\n         WHERE volunteer_id = OLD.volunteer_id AND unit_id = OLD.unit_id AND category = OLD.category\n           AND month = date_trunc('month', OLD.date)::date\n        RETURNING records INTO remaining;\n        IF remaining = 0 THEN\n            DELETE FROM operations_servicehoursmonth\n             WHERE volunteer_id = OLD.volunteer_id AND unit_id = OLD.unit_id AND category = OLD.category\n               AND month = date_trunc('month', OLD.date)::date AND records = 0;\n        END IF;\n    END IF;\n    IF TG_OP <> 'DELETE' AND NEW.misuse_at IS NULL THEN\n        INSERT INTO operations_servicehoursmonth (volunteer_id, unit_id, category, month, hours, records, people_served)\n        VALUES (NEW.volunteer_id, NEW.unit_id, NEW.category, date_trunc('month', NEW.date)::date, NEW.hours, 1,\n                NEW.people_served)\n        ON CONFLICT (volunteer_id, unit_id, category, month) DO UPDATE\n           SET hours = operations_servicehoursmonth.hours + EXCLUDED.hours,\n               records = operations_servicehoursmonth.records + 1,\n               people_served = operations_servicehoursmonth.people_served + EXCLUDED.people_served;\n    END IF;\n    RETURN NULL;\n", hash='c06ff6039b48f6db0b0385b0fc8f6eb5613118a6', operation='INSERT', pgid='pgtrigger_service_record_rollup_ins_15889', table='operations_servicerecord', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='servicerecord',
            trigger=pgtrigger.compiler.Trigger(name='service_record_rollup_upd', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."volunteer_id" IS DISTINCT FROM (NEW."volunteer_id") OR OLD."unit_id" IS DISTINCT FROM (NEW."unit_id") OR OLD."category" IS DISTINCT FROM (NEW."category") OR OLD."date" IS DISTINCT FROM (NEW."date") OR OLD."hours" IS DISTINCT FROM (NEW."hours") OR OLD."people_served" IS DISTINCT FROM (NEW."people_served") OR OLD."misuse_at" IS DISTINCT FROM (NEW."misuse_at"))', declare='DECLARE remaining integer;', func="\n    IF TG_OP <> 'INSERT' AND OLD.misuse_at IS NULL THEN\n        UPDATE operations_servicehoursmonth SET hours = hours - OLD.hours, records = records - 1,\n               people_served = people_served - OLD.people_served\n         WHERE volunteer_id = OLD.volunteer_id AND unit_id = OLD.unit_id AND category = OLD.category\n           AND month = date_trunc('month', OLD.date)::date\n        RETURNING records INTO remaining;\n        IF remaining = 0 THEN\n            DELETE FROM operations_servicehoursmonth\n             WHERE volunteer_id = OLD.volunteer_id AND unit_id = OLD.unit_id AND category = OLD.category\n               AND month = date_trunc('month', OLD.date)::date AND records = 0;\n        END IF;\n    END IF;\n    IF TG_OP <> 'DELETE' AND NEW.misuse_at IS NULL THEN\n        INSERT INTO operations_servicehoursmonth (volunteer_id, unit_id, category, month, hours, records, people_served)\n        VALUES (NEW.volunteer_id, NEW.unit_id, NEW.category, date_trunc('month', NEW.date)::date, NEW.hours, 1,\n                NEW.people_served)\n        ON CONFLICT (volunteer_id, unit_id, category, month) DO UPDATE\n           SET hours = operations_servicehoursmonth.hours + EXCLUDED.hours,\n               records = operations_servicehoursmonth.records + 1,\n               people_served = operations_servicehoursmonth.people_served + EXCLUDED.people_served;\n    END IF;\n    RETURN NULL;\n", hash='8343e2723aac399ebfe3a19f127d525ef96e0190', operation='UPDATE', pgid='pgtrigger_service_record_rollup_upd_3a137', table='operations_servicerecord', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='servicerecord',
            trigger=pgtrigger.compiler.Trigger(name='service_record_rollup_del', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE remaining integer;', func="\n    IF TG_OP <> 'INSERT' AND OLD.misuse_at IS NULL THEN\n        UPDATE operations_servicehoursmonth SET hours = hours - OLD.hours, records = records - 1,\n               people_served = people_served - OLD.people_served\n         WHERE volunteer_id = OLD.volunteer_id AND unit_id = OLD.unit_id AND category = OLD.category\n           AND month = date_trunc('month', OLD.date)::date\n        RETURNING records INTO remaining;\n        IF remaining = 0 THEN\n            DELETE FROM operations_servicehoursmonth\n             WHERE volunteer_id = OLD.volunteer_id AND unit_id = OLD.unit_id AND category = OLD.category\n               AND month = date_trunc('month', OLD.date)::date AND records = 0;\n        END IF;\n    END IF;\n    IF TG_OP <> 'DELETE' AND NEW.misuse_at IS NULL THEN\n        INSERT INTO operations_servicehoursmonth (volunteer_id, unit_id, category, month, hours, records, people_served)\n        VALUES (NEW.volunteer_id, NEW.unit_id, NEW.category, date_trunc('month', NEW.date)::date, NEW.hours, 1,\n                NEW.people_served)\n        ON CONFLICT (volunteer_id, unit_id, category, month) DO UPDATE\n           SET hours = operations_servicehoursmonth.hours + EXCLUDED.hours,\n               records = operations_servicehoursmonth.records + 1,\n               people_served = operations_servicehoursmonth.people_served + EXCLUDED.people_served;\n    END IF;\n    RETURN NULL;\n", hash='ab2c26a718dc4960359b8281882e084e60f0360f', operation='DELETE', pgid='pgtrigger_service_record_rollup_del_61a52', table='operations_servicerecord', when='AFTER')),
        ),
        migrations.RunPython(sqlite_triggers, drop_sqlite_triggers),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
