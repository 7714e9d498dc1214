"""The day hours in a category start counting by training, per volunteer and category (`TrainingCountFrom`), kept
by statement triggers on the certificates (PostgreSQL); filled from the certificates after the triggers exist
(the migration holds the certificates' lock from the first trigger on, so no write slips between the two)."""

import django.db.models.deletion
import operations.models.code_values
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # read from the certificates directly on SQLite
    schema_editor.execute(
        "INSERT INTO operations_trainingcountfrom (volunteer_id, category, counts_from) "
        "SELECT s.volunteer_id, s.category, GREATEST(b.d, s.d) "
        "FROM (SELECT volunteer_id, category, MIN(completed_on) AS d FROM operations_trainingcertificate "
        "WHERE kind = 'special' GROUP BY volunteer_id, category) s "
        "JOIN (SELECT volunteer_id, MIN(completed_on) AS d FROM operations_trainingcertificate "
        "WHERE kind = 'basic' GROUP BY volunteer_id) b ON b.volunteer_id = s.volunteer_id")


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0031_hashed_recovery_codes'),
    ]

    operations = [
        migrations.CreateModel(
            name='TrainingCountFrom',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('category', models.CharField(choices=operations.models.code_values.service_category_choices, max_length=32, verbose_name='service category')),
                ('counts_from', models.DateField(verbose_name='hours count from')),
            ],
            options={
                'verbose_name': 'day hours count from',
                'verbose_name_plural': 'days hours count from',
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='trainingcertificate',
            trigger=pgtrigger.compiler.Trigger(name='certificate_count_from_ins', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n    PERFORM pg_advisory_xact_lock(16061, x.v::integer)\n       FROM (SELECT DISTINCT c.volunteer_id AS v FROM (SELECT volunteer_id FROM new_rows) c ORDER BY 1) x;\n    DELETE FROM operations_trainingcountfrom WHERE volunteer_id IN (SELECT c.volunteer_id FROM (SELECT volunteer_id FROM new_rows) c);\n    INSERT INTO operations_trainingcountfrom (volunteer_id, category, counts_from)\n    SELECT s.volunteer_id, s.category, GREATEST(b.d, s.d)\n      FROM (SELECT volunteer_id, category, MIN(completed_on) AS d FROM operations_trainingcertificate\n             WHERE kind = 'special' AND volunteer_id IN (SELECT c.volunteer_id FROM (SELECT volunteer_id FROM new_rows) c)\n             GROUP BY volunteer_id, category) s\n      JOIN (SELECT volunteer_id, MIN(completed_on) AS d FROM operations_trainingcertificate\n             WHERE kind = 'basic' AND volunteer_id IN (SELECT c.volunteer_id FROM (SELECT volunteer_id FROM new_rows) c)\n             GROUP BY volunteer_id) b ON b.volunteer_id = s.volunteer_id;\n    RETURN NULL;\n", hash='7748de6fd8f7f7b265f2f05e7015b9e4ca8cd6e1', level='STATEMENT', operation='INSERT', pgid='pgtrigger_certificate_count_from_ins_9a930', referencing='REFERENCING NEW TABLE AS new_rows ', table='operations_trainingcertificate', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='trainingcertificate',
            trigger=pgtrigger.compiler.Trigger(name='certificate_count_from_upd', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n    PERFORM pg_advisory_xact_lock(16061, x.v::integer)\n       FROM (SELECT DISTINCT c.volunteer_id AS v FROM (SELECT volunteer_id FROM old_rows UNION ALL SELECT volunteer_id FROM new_rows) c ORDER BY 1) x;\n    DELETE FROM operations_trainingcountfrom WHERE volunteer_id IN (SELECT c.volunteer_id FROM (SELECT volunteer_id FROM old_rows UNION ALL SELECT volunteer_id FROM new_rows) c);\n    INSERT INTO operations_trainingcountfrom (volunteer_id, category, counts_from)\n    SELECT s.volunteer_id, s.category, GREATEST(b.d, s.d)\n      FROM (SELECT volunteer_id, category, MIN(completed_on) AS d FROM operations_trainingcertificate\n             WHERE kind = 'special' AND volunteer_id IN (SELECT c.volunteer_id FROM (SELECT volunteer_id FROM old_rows UNION ALL SELECT volunteer_id FROM new_rows) c)\n             GROUP BY volunteer_id, category) s\n      JOIN (SELECT volunteer_id, MIN(completed_on) AS d FROM operations_trainingcertificate\n             WHERE kind = 'basic' AND volunteer_id IN (SELECT c.volunteer_id FROM (SELECT volunteer_id FROM old_rows UNION ALL SELECT volunteer_id FROM new_rows) c)\n             GROUP BY volunteer_id) b ON b.volunteer_id = s.volunteer_id;\n    RETURN NULL;\n", hash='6d81e1e04c6fcb8f3533a8f9c246885becb87588', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_certificate_count_from_upd_01ee6', referencing='REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ', table='operations_trainingcertificate', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='trainingcertificate',
            trigger=pgtrigger.compiler.Trigger(name='certificate_count_from_del', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n    PERFORM pg_advisory_xact_lock(16061, x.v::integer)\n       FROM (SELECT DISTINCT c.volunteer_id AS v FROM (SELECT volunteer_id FROM old_rows) c ORDER BY 1) x;\n    DELETE FROM operations_trainingcountfrom WHERE volunteer_id IN (SELECT c.volunteer_id FROM (SELECT volunteer_id FROM old_rows) c);\n    INSERT INTO operations_trainingcountfrom (volunteer_id, category, counts_from)\n    SELECT s.volunteer_id, s.category, GREATEST(b.d, s.d)\n      FROM (SELECT volunteer_id, category, MIN(completed_on) AS d FROM operations_trainingcertificate\n             WHERE kind = 'special' AND volunteer_id IN (SELECT c.volunteer_id FROM (SELECT volunteer_id FROM old_rows) c)\n             GROUP BY volunteer_id, category) s\n      JOIN (SELECT volunteer_id, MIN(completed_on) AS d FROM operations_trainingcertificate\n             WHERE kind = 'basic' AND volunteer_id IN (SELECT c.volunteer_id FROM (SELECT volunteer_id FROM old_rows) c)\n             GROUP BY volunteer_id) b ON b.volunteer_id = s.volunteer_id;\n    RETURN NULL;\n", hash='c611806cd111096163be1189d1c970d97dd96dd9', level='STATEMENT', operation='DELETE', pgid='pgtrigger_certificate_count_from_del_1627d', referencing='REFERENCING OLD TABLE AS old_rows ', table='operations_trainingcertificate', when='AFTER')),
        ),
        migrations.AddField(
            model_name='trainingcountfrom',
            name='volunteer',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='operations.volunteer'),
        ),
        migrations.AddConstraint(
            model_name='trainingcountfrom',
            constraint=models.UniqueConstraint(fields=('volunteer', 'category'), name='training_count_from_key'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
