from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_inbound_origin')]

    initial = False

    operations = [
        ops.CreateModel(
            name='QueueWorker',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('place', fields.CharField(max_length=255)),
                ('pid', fields.IntField()),
                ('process_started', fields.CharField(default='', max_length=32)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('heartbeat_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'queue_workers', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A process running queue jobs, as a holder of leases (see ``fediserver.process_identity``).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Delivery',
            name='claimed_by',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='InboundItem',
            name='claimed_by',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
