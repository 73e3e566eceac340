from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0008_oauth_and_sessions')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='InboundItem',
            name='activity_uri',
            field=fields.CharField(max_length=2048),
        ),
        ops.AddField(
            model_name='InboundItem',
            name='origin',
            field=fields.CharField(default='', db_default='', max_length=255),
        ),
        ops.AddConstraint(
            model_name='InboundItem',
            constraint=UniqueConstraint(fields=('origin', 'activity_uri'), name=None),
        ),
    ]
