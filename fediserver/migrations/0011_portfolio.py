from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0010_queue_lease_holders')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Series',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='series', on_delete=OnDelete.CASCADE)),
                ('slug', fields.CharField(max_length=64)),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('position', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'series', 'app': 'models', 'unique_together': (('account', 'slug'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SeriesWork',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.ForeignKeyField('models.Series', source_field='series_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='series_entries', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
                ('added_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'series_works', 'app': 'models', 'unique_together': (('series', 'post'),), 'pk_attr': 'id', 'table_description': "A work's place in a series."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Work',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.OneToOneField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='work', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='works', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
                ('details', fields.JSONField(default=dict, db_default='{}', encoder=JSON_DUMPS, decoder=loads)),
                ('payment_url', fields.CharField(null=True, max_length=2048)),
                ('payment_label', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'works', 'app': 'models', 'indexes': [Index(fields=['account_id', 'position'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
