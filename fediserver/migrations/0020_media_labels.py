from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.content import RemoteMediaState
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0017_status_features')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='MediaAttachment',
            name='remote_state',
            field=fields.CharEnumField(null=True, db_index=True, description='CACHED: cached\nEVICTED: evicted\nPROXIED: proxied\nREFUSED: refused\nFAILED: failed\nLINKED: linked', enum_type=RemoteMediaState, max_length=16),
        ),
        ops.AddField(
            model_name='MediaAttachment',
            name='ai_marks',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
