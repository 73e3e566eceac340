from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.web_push import PushPolicy
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0025_scheduled_statuses')]

    initial = False

    operations = [
        ops.CreateModel(
            name='VapidKey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(default='instance', unique=True, max_length=32)),
                ('private_key_pem', fields.TextField(unique=False)),
                ('public_key', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'vapid_keys', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebPushSubscription',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='push_subscriptions', on_delete=OnDelete.CASCADE)),
                ('token', fields.OneToOneField('models.ApiToken', source_field='token_id', db_constraint=True, to_field='id', related_name='push_subscription', on_delete=OnDelete.CASCADE)),
                ('endpoint', fields.CharField(max_length=2048)),
                ('p256dh', fields.CharField(max_length=128)),
                ('auth', fields.CharField(max_length=64)),
                ('alerts', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('policy', fields.CharEnumField(default=PushPolicy.ALL, description='ALL: all\nFOLLOWED: followed\nFOLLOWER: follower\nNONE: none', enum_type=PushPolicy, max_length=16)),
                ('standard', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'web_push_subscriptions', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebPushDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscription', fields.ForeignKeyField('models.WebPushSubscription', source_field='subscription_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('notification', fields.ForeignKeyField('models.Notification', source_field='notification_id', db_constraint=True, to_field='id', related_name='push_deliveries', on_delete=OnDelete.CASCADE)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('claimed_by', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'web_push_deliveries', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
