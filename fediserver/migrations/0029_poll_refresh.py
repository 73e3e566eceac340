from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.federation_state import FetchKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0028_poll_endings')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='FetchTask',
            name='kind',
            field=fields.CharEnumField(description='ANCESTORS: ancestors\nREPLIES: replies\nQUOTE: quote\nPOLL: poll', enum_type=FetchKind, max_length=16),
        ),
    ]
