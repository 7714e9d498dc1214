"""Award nominations, service-plan filing and unit applications on the review chain; the round of a review
(one person decides at most one step of it) and the authority a form is addressed to."""

import django.db.models.deletion
from django.db import migrations, models


def set_rounds(apps, schema_editor):
    """A review resubmitted before this migration: its round starts at its latest (re)submission."""
    Review = apps.get_model("operations", "Review")
    ReviewEvent = apps.get_model("operations", "ReviewEvent")
    latest = (ReviewEvent.objects.filter(review=models.OuterRef("pk"), action__in=["submitted", "resubmitted"])
              .order_by("-version").values("version")[:1])
    resubmitted = ReviewEvent.objects.filter(action="resubmitted").values("review_id")
    Review.objects.filter(pk__in=resubmitted).update(round_version=models.Subquery(latest))


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0028_hours_month_rollup'),
    ]

    operations = [
        migrations.AddField(
            model_name='awardnomination',
            name='review',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='award_nomination', to='operations.review'),
        ),
        migrations.AddField(
            model_name='review',
            name='authority',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='operations.orgnode', verbose_name='addressed to'),
        ),
        migrations.AddField(
            model_name='review',
            name='round_version',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='serviceplan',
            name='review',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='service_plan', to='operations.review'),
        ),
        migrations.AddField(
            model_name='unitapplication',
            name='review',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='unit_application', to='operations.review'),
        ),
        migrations.AlterField(
            model_name='review',
            name='form_type',
            field=models.CharField(choices=[('record_book_batch', 'Record book application'), ('performance_certificate', 'Performance certificate'), ('honor_card', 'Honor card'), ('period_report', 'Half-year or annual report'), ('award_nomination', 'Award nomination'), ('service_plan', 'Service plan filing'), ('unit_application', 'Application to become a unit')], db_index=True, max_length=32, verbose_name='form'),
        ),
        migrations.RunPython(set_rounds, migrations.RunPython.noop),
    ]
