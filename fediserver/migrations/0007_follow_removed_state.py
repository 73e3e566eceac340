from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.social import FollowState
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_post_addressees')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Follow',
            name='state',
            field=fields.CharEnumField(default=FollowState.PENDING, description='PENDING: pending\nACCEPTED: accepted\nREJECTED: rejected\nREMOVED: removed', enum_type=FollowState, max_length=16),
        ),
    ]
