from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0016_client_state')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Bookmark',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='bookmarks', on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='bookmarks', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'bookmarks', 'app': 'models', 'unique_together': (('account', 'post'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConversationMark',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='conversation_marks', on_delete=OnDelete.CASCADE)),
                ('root', fields.ForeignKeyField('models.Post', source_field='root_id', db_constraint=True, to_field='id', related_name='conversation_marks', on_delete=OnDelete.CASCADE)),
                ('read_up_to', fields.BigIntField(default=0)),
                ('hidden_up_to', fields.BigIntField(default=0)),
            ],
            options={'table': 'conversation_marks', 'app': 'models', 'unique_together': (('account', 'root'),), 'pk_attr': 'id', 'table_description': 'Where a reader stands in one direct conversation (read up to, removed up to).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConversationMute',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='conversation_mutes', on_delete=OnDelete.CASCADE)),
                ('root', fields.ForeignKeyField('models.Post', source_field='root_id', db_constraint=True, to_field='id', related_name='conversation_mutes', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'conversation_mutes', 'app': 'models', 'unique_together': (('account', 'root'),), 'pk_attr': 'id', 'table_description': 'No notifications for ``account`` about posts in the thread rooted at ``root``.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Poll',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.OneToOneField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='poll', on_delete=OnDelete.CASCADE)),
                ('options', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('votes', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('voters_count', fields.IntField(default=0)),
                ('multiple', fields.BooleanField(default=False)),
                ('hide_totals', fields.BooleanField(default=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'polls', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PollVote',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('poll', fields.ForeignKeyField('models.Poll', source_field='poll_id', db_constraint=True, to_field='id', related_name='cast_votes', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='poll_votes', on_delete=OnDelete.CASCADE)),
                ('choice', fields.IntField()),
                ('uri', fields.CharField(null=True, unique=True, max_length=2048)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'poll_votes', 'app': 'models', 'unique_together': (('poll', 'account', 'choice'),), 'pk_attr': 'id', 'table_description': 'One choice of one voter (a voter on a multiple-choice poll has one row per choice).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PostEdit',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='edits', on_delete=OnDelete.CASCADE)),
                ('content', fields.TextField(default='', unique=False)),
                ('summary', fields.TextField(default='', unique=False)),
                ('sensitive', fields.BooleanField(default=False)),
                ('media', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('poll_options', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'post_edits', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
