from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_interactions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='MediaAttachment',
            name='claimed_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='MediaAttachment',
            name='refused_reason',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='MediaAttachment',
            name='remote_state',
            field=fields.CharField(null=True, db_index=True, max_length=16),
        ),
    ]
