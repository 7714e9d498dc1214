"""Service categories and cities as code tables (README "The organisation tree and the code tables"): the tables,
filled with the values and labels of the former constants, and the columns holding a category or a city reading
their choices from the tables."""

from django.db import migrations, models

import operations.models.code_values

# The values of the former constants (UnitCategory, City) with their labels at the time, in their order.
CATEGORIES = [
    ("social_welfare", "社福類", "Social welfare"),
    ("health", "衛生保健類", "Health care"),
    ("general", "綜合類", "General"),
    ("culture", "文化類", "Culture"),
    ("education", "教育類", "Education"),
    ("sports", "體育類", "Sports"),
    ("environment", "環保類", "Environmental protection"),
    ("civil_affairs", "民政類", "Civil affairs"),
    ("fire_rescue", "消防救災類", "Fire and disaster rescue"),
    ("traffic", "交通安全類", "Traffic safety"),
    ("other", "其他", "Other"),
]
CITIES = [
    ("taipei", "臺北市", "Taipei City"),
    ("new_taipei", "新北市", "New Taipei City"),
    ("taoyuan", "桃園市", "Taoyuan City"),
    ("hsinchu_city", "新竹市", "Hsinchu City"),
    ("hsinchu_county", "新竹縣", "Hsinchu County"),
    ("yilan", "宜蘭縣", "Yilan County"),
    ("keelung", "基隆市", "Keelung City"),
    ("taichung", "臺中市", "Taichung City"),
    ("tainan", "臺南市", "Tainan City"),
    ("kaohsiung", "高雄市", "Kaohsiung City"),
    ("miaoli", "苗栗縣", "Miaoli County"),
    ("changhua", "彰化縣", "Changhua County"),
    ("nantou", "南投縣", "Nantou County"),
    ("yunlin", "雲林縣", "Yunlin County"),
    ("chiayi_city", "嘉義市", "Chiayi City"),
    ("chiayi_county", "嘉義縣", "Chiayi County"),
    ("pingtung", "屏東縣", "Pingtung County"),
    ("hualien", "花蓮縣", "Hualien County"),
    ("taitung", "臺東縣", "Taitung County"),
    ("penghu", "澎湖縣", "Penghu County"),
    ("kinmen", "金門縣", "Kinmen County"),
    ("lienchiang", "連江縣", "Lienchiang County"),
]
HOSTING = {"taipei", "new_taipei"}  # the former operations.selectors.public.HOST_CITIES


def seed(apps, schema_editor):
    ServiceCategory = apps.get_model("operations", "ServiceCategory")
    CityArea = apps.get_model("operations", "CityArea")
    for i, (code, name, name_en) in enumerate(CATEGORIES):
        ServiceCategory.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en,
                                                                   "order": (i + 1) * 10})
    for i, (code, name, name_en) in enumerate(CITIES):
        CityArea.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": (i + 1) * 10,
                                                            "hosting": code in HOSTING})


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0029_review_more_forms'),
    ]

    operations = [
        migrations.CreateModel(
            name='CityArea',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=32, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=50, verbose_name='name (Chinese)')),
                ('name_en', models.CharField(max_length=80, verbose_name='name (English)')),
                ('order', models.PositiveSmallIntegerField(default=100, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, help_text='Retired values are no longer offered in forms but stay where used.', verbose_name='active')),
                ('hosting', models.BooleanField(default=False, help_text='A city hosting World Masters Games events (the venue map).', verbose_name='hosts events')),
            ],
            options={
                'verbose_name': 'city or county',
                'verbose_name_plural': 'cities and counties',
                'ordering': ['order', 'code'],
            },
        ),
        migrations.CreateModel(
            name='ServiceCategory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=32, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=50, verbose_name='name (Chinese)')),
                ('name_en', models.CharField(max_length=80, verbose_name='name (English)')),
                ('order', models.PositiveSmallIntegerField(default=100, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, help_text='Retired values are no longer offered in forms but stay where used.', verbose_name='active')),
            ],
            options={
                'verbose_name': 'service category',
                'verbose_name_plural': 'service categories',
                'ordering': ['order', 'code'],
            },
        ),
        migrations.AlterField(
            model_name='course',
            name='category',
            field=models.CharField(blank=True, choices=operations.models.code_values.service_category_choices, help_text='Special training: the service category it qualifies for.', max_length=32, verbose_name='service category'),
        ),
        migrations.AlterField(
            model_name='orgnode',
            name='category',
            field=models.CharField(blank=True, choices=operations.models.code_values.service_category_choices, max_length=32, verbose_name='category'),
        ),
        migrations.AlterField(
            model_name='orgnode',
            name='city',
            field=models.CharField(blank=True, choices=operations.models.code_values.city_choices, db_index=True, max_length=32, verbose_name='city'),
        ),
        migrations.AlterField(
            model_name='servicerecord',
            name='category',
            field=models.CharField(blank=True, choices=operations.models.code_values.service_category_choices, max_length=32, verbose_name='service category'),
        ),
        migrations.AlterField(
            model_name='servicehoursmonth',
            name='category',
            field=models.CharField(blank=True, choices=operations.models.code_values.service_category_choices, max_length=32, verbose_name='service category'),
        ),
        migrations.AlterField(
            model_name='trainingcertificate',
            name='category',
            field=models.CharField(blank=True, choices=operations.models.code_values.service_category_choices, max_length=32, verbose_name='service category'),
        ),
        migrations.AlterField(
            model_name='trainingrequirement',
            name='category',
            field=models.CharField(blank=True, choices=operations.models.code_values.service_category_choices, max_length=32, verbose_name='trained for the category'),
        ),
        migrations.AlterField(
            model_name='unitapplication',
            name='category',
            field=models.CharField(choices=operations.models.code_values.service_category_choices, max_length=32, verbose_name='category'),
        ),
        migrations.AlterField(
            model_name='unitapplication',
            name='city',
            field=models.CharField(choices=operations.models.code_values.city_choices, max_length=32, verbose_name='city'),
        ),
        migrations.AlterField(
            model_name='volunteer',
            name='city',
            field=models.CharField(blank=True, choices=operations.models.code_values.city_choices, max_length=32, verbose_name='city'),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
