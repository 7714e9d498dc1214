# Hour-slip and certificate imports run as background jobs (the state shared with roster imports).
# Hour-slip imports recorded before this migration were finished imports: their status is "done".

import django.db.models.deletion
import operations.storage
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0026_reports'),
    ]

    operations = [
        migrations.AddField(
            model_name='hourimport',
            name='errors',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='hourimport',
            name='file',
            field=models.FileField(blank=True, max_length=200, storage=operations.storage.private_storage, upload_to=operations.storage.import_upload_to, verbose_name='file'),
        ),
        migrations.AddField(
            model_name='hourimport',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='hourimport',
            name='language',
            field=models.CharField(default='zh-hant', max_length=8),
        ),
        migrations.AddField(
            model_name='hourimport',
            name='processed_rows',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='hourimport',
            name='status',
            field=models.CharField(choices=[('pending', 'Waiting'), ('running', 'Checking'), ('done', 'Imported'), ('failed', 'Not imported')], default='done', max_length=16, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='hourimport',
            name='status',
            field=models.CharField(choices=[('pending', 'Waiting'), ('running', 'Checking'), ('done', 'Imported'), ('failed', 'Not imported')], default='pending', max_length=16, verbose_name='status'),
        ),
        migrations.AddField(
            model_name='hourimport',
            name='total_rows',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.CreateModel(
            name='CertificateImport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(blank=True, max_length=200, storage=operations.storage.private_storage, upload_to=operations.storage.import_upload_to, verbose_name='file')),
                ('original_name', models.CharField(max_length=255, verbose_name='file name')),
                ('language', models.CharField(default='zh-hant', max_length=8)),
                ('status', models.CharField(choices=[('pending', 'Waiting'), ('running', 'Checking'), ('done', 'Imported'), ('failed', 'Not imported')], default='pending', max_length=16, verbose_name='status')),
                ('total_rows', models.PositiveIntegerField(default=0)),
                ('processed_rows', models.PositiveIntegerField(default=0)),
                ('errors', models.JSONField(blank=True, default=list)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('created_certificates', models.PositiveIntegerField(default=0, verbose_name='certificates created')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
            ],
            options={
                'verbose_name': 'certificate import',
                'verbose_name_plural': 'certificate imports',
                'ordering': ['-created_at', '-id'],
            },
        ),
    ]
