from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.interactions import NotificationKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0027_admin_notifications')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Notification',
            name='kind',
            field=fields.CharEnumField(description='FOLLOW: follow\nFOLLOW_REQUEST: follow_request\nFAVOURITE: favourite\nREBLOG: reblog\nMENTION: mention\nREACTION: reaction\nUPDATE: update\nMOVE: move\nQUOTE: quote\nPOLL: poll\nADMIN_SIGN_UP: admin.sign_up\nADMIN_REPORT: admin.report', enum_type=NotificationKind, max_length=32),
        ),
        ops.AddField(
            model_name='Poll',
            name='end_announced_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
