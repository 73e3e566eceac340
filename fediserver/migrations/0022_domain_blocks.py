from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.domain_blocks import BlockSource, Severity
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0021_content_credentials')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DomainAllow',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('domain', fields.CharField(unique=True, max_length=255)),
                ('source', fields.CharEnumField(default=BlockSource.ADMIN, description='ADMIN: admin\nCONFIG: config', enum_type=BlockSource, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'domain_allows', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DomainBlock',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('domain', fields.CharField(unique=True, max_length=255)),
                ('severity', fields.CharEnumField(default=Severity.SILENCE, description='NOOP: noop\nSILENCE: silence\nSUSPEND: suspend', enum_type=Severity, max_length=16)),
                ('reject_media', fields.BooleanField(default=False)),
                ('reject_reports', fields.BooleanField(default=False)),
                ('private_comment', fields.TextField(default='', unique=False)),
                ('public_comment', fields.TextField(default='', unique=False)),
                ('obfuscate', fields.BooleanField(default=False)),
                ('source', fields.CharEnumField(default=BlockSource.ADMIN, description='ADMIN: admin\nCONFIG: config', enum_type=BlockSource, max_length=16)),
                ('suspended_account_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'domain_blocks', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DomainPolicyVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.BigIntField(default=0)),
            ],
            options={'table': 'domain_policy_version', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One row (id 1): bumped by every change of the blocks or allows.'},
            bases=['Model'],
        ),
    ]
