from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='default_license',
            field=fields.CharField(null=True, max_length=2048),
        ),
        ops.AddField(
            model_name='Account',
            name='protection_overrides',
            field=fields.JSONField(default=dict, db_default='{}', encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
