from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.federation_state import FetchKind, FetchState
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_delivered_to')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FetchTask',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='ANCESTORS: ancestors\nREPLIES: replies', enum_type=FetchKind, max_length=16)),
                ('uri', fields.CharField(max_length=2048)),
                ('state', fields.CharEnumField(default=FetchState.PENDING, description='PENDING: pending\nDONE: done\nFAILED: failed', enum_type=FetchState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('available_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'fetch_tasks', 'app': 'models', 'unique_together': (('kind', 'uri'),), 'pk_attr': 'id', 'table_description': 'Background fetching of a thread around a stored post, one row per (kind, post).'},
            bases=['Model'],
        ),
    ]
