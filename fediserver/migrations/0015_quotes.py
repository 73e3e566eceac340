from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.content import QuotePolicy, QuoteState
from fediserver.models.federation_state import FetchKind
from fediserver.models.interactions import NotificationKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_fetch_tasks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='quote_policy',
            field=fields.CharField(default='public', db_default='public', max_length=16),
        ),
        ops.AlterField(
            model_name='FetchTask',
            name='kind',
            field=fields.CharEnumField(description='ANCESTORS: ancestors\nREPLIES: replies\nQUOTE: quote', enum_type=FetchKind, max_length=16),
        ),
        ops.AlterField(
            model_name='Notification',
            name='kind',
            field=fields.CharEnumField(description='FOLLOW: follow\nFOLLOW_REQUEST: follow_request\nFAVOURITE: favourite\nREBLOG: reblog\nMENTION: mention\nREACTION: reaction\nUPDATE: update\nMOVE: move\nQUOTE: quote', enum_type=NotificationKind, max_length=32),
        ),
        ops.AddField(
            model_name='Post',
            name='quote_authorization_uri',
            field=fields.CharField(null=True, max_length=2048),
        ),
        ops.AddField(
            model_name='Post',
            name='quote_of',
            field=fields.ForeignKeyField('models.Post', source_field='quote_of_id', null=True, db_constraint=True, to_field='id', related_name='quotes', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Post',
            name='quote_policy',
            field=fields.CharEnumField(null=True, description='PUBLIC: public\nFOLLOWERS: followers\nNOBODY: nobody', enum_type=QuotePolicy, max_length=16),
        ),
        ops.AddField(
            model_name='Post',
            name='quote_state',
            field=fields.CharEnumField(null=True, description='PENDING: pending\nACCEPTED: accepted\nREJECTED: rejected', enum_type=QuoteState, max_length=16),
        ),
        ops.AddField(
            model_name='Post',
            name='quote_uri',
            field=fields.CharField(null=True, db_index=True, max_length=2048),
        ),
    ]
