from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.interactions import ReportCategory
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0022_domain_blocks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.ForeignKeyField('models.Account', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('actor_name', fields.CharField(max_length=255)),
                ('action', fields.CharField(db_index=True, max_length=64)),
                ('target_type', fields.CharField(max_length=32)),
                ('target_id', fields.CharField(max_length=255)),
                ('target_label', fields.CharField(default='', max_length=2048)),
                ('detail', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_log', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Account',
            name='sensitized_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Account',
            name='silenced_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Account',
            name='suspended_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterModelOptions(
            name='Report',
            options={'table': 'reports', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A moderation report, made here (``POST /api/v1/reports``) or received as a Flag.'},
        ),
        ops.AddField(
            model_name='Report',
            name='action_taken',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Report',
            name='assigned_to',
            field=fields.ForeignKeyField('models.Account', source_field='assigned_to_id', null=True, db_constraint=True, to_field='id', related_name='reports_assigned', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Report',
            name='category',
            field=fields.CharEnumField(default=ReportCategory.OTHER, description='SPAM: spam\nLEGAL: legal\nVIOLATION: violation\nOTHER: other', db_default='other', enum_type=ReportCategory, max_length=16),
        ),
        ops.AddField(
            model_name='Report',
            name='forwarded',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Report',
            name='resolved_by',
            field=fields.ForeignKeyField('models.Account', source_field='resolved_by_id', null=True, db_constraint=True, to_field='id', related_name='reports_resolved', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Report',
            name='rule_ids',
            field=fields.JSONField(default=list, db_default='[]', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Report',
            name='statuses',
            field=fields.JSONField(default=list, db_default='[]', encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
