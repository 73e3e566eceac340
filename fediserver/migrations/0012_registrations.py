from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.registrations import RegistrationState
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_portfolio')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Registration',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=255)),
                ('email', fields.CharField(default='', max_length=320)),
                ('password_hash', fields.CharField(max_length=255)),
                ('reason', fields.TextField(default='', unique=False)),
                ('state', fields.CharEnumField(default=RegistrationState.PENDING, description='PENDING: pending\nAPPROVED: approved\nREJECTED: rejected', enum_type=RegistrationState, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'registrations', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
