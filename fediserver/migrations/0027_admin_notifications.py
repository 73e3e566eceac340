from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.interactions import NotificationKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0026_web_push')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Notification',
            name='kind',
            field=fields.CharEnumField(description='FOLLOW: follow\nFOLLOW_REQUEST: follow_request\nFAVOURITE: favourite\nREBLOG: reblog\nMENTION: mention\nREACTION: reaction\nUPDATE: update\nMOVE: move\nQUOTE: quote\nADMIN_SIGN_UP: admin.sign_up\nADMIN_REPORT: admin.report', enum_type=NotificationKind, max_length=32),
        ),
        ops.AddField(
            model_name='Notification',
            name='report',
            field=fields.ForeignKeyField('models.Report', source_field='report_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE),
        ),
    ]
