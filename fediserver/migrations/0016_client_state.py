from tortoise import migrations
from tortoise.migrations import operations as ops
from fediserver.models.client_state import FilterAction, RepliesPolicy
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0015_quotes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountList',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='lists', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=255)),
                ('replies_policy', fields.CharEnumField(default=RepliesPolicy.LIST, description='FOLLOWED: followed\nLIST: list\nNONE: none', enum_type=RepliesPolicy, max_length=16)),
                ('exclusive', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'lists', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A list of followed accounts with its own timeline. The posts of the members of an'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AccountNote',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='notes_written', on_delete=OnDelete.CASCADE)),
                ('target', fields.ForeignKeyField('models.Account', source_field='target_id', db_constraint=True, to_field='id', related_name='notes_about', on_delete=OnDelete.CASCADE)),
                ('comment', fields.TextField(default='', unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'account_notes', 'app': 'models', 'unique_together': (('account', 'target'),), 'pk_attr': 'id', 'table_description': 'A private note of an artist on another account (the ``note`` of a Relationship).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Filter',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='filters', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=255)),
                ('context', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('action', fields.CharEnumField(default=FilterAction.WARN, description='WARN: warn\nHIDE: hide', enum_type=FilterAction, max_length=8)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'filters', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A filter: where it applies (``context``: home, notifications, public, thread,'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FilterKeyword',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('parent_filter', fields.ForeignKeyField('models.Filter', source_field='parent_filter_id', db_constraint=True, to_field='id', related_name='keywords', on_delete=OnDelete.CASCADE)),
                ('keyword', fields.CharField(max_length=255)),
                ('whole_word', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'filter_keywords', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FilterStatus',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('parent_filter', fields.ForeignKeyField('models.Filter', source_field='parent_filter_id', db_constraint=True, to_field='id', related_name='statuses', on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='filtered_by', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'filter_statuses', 'app': 'models', 'unique_together': (('parent_filter', 'post'),), 'pk_attr': 'id', 'table_description': 'One post a filter applies to, whatever its words.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FollowedTag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='followed_tags', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'followed_tags', 'app': 'models', 'unique_together': (('account', 'name'),), 'pk_attr': 'id', 'table_description': 'A hashtag whose posts the artist wants in the home timeline (``name`` in lower case).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ListMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('list', fields.ForeignKeyField('models.AccountList', source_field='list_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='listed_in', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'list_members', 'app': 'models', 'unique_together': (('list', 'account'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Marker',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='markers', on_delete=OnDelete.CASCADE)),
                ('timeline', fields.CharField(max_length=16)),
                ('last_read_id', fields.CharField(max_length=64)),
                ('version', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'markers', 'app': 'models', 'unique_together': (('account', 'timeline'),), 'pk_attr': 'id', 'table_description': 'How far an artist has read a timeline (``home`` or ``notifications``), shared by'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Mute',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='muting', on_delete=OnDelete.CASCADE)),
                ('target', fields.ForeignKeyField('models.Account', source_field='target_id', db_constraint=True, to_field='id', related_name='muted_by', on_delete=OnDelete.CASCADE)),
                ('notifications', fields.BooleanField(default=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mutes', 'app': 'models', 'unique_together': (('account', 'target'),), 'pk_attr': 'id', 'table_description': '``account`` no longer sees the posts of ``target`` in its lists (and, with'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Account',
            name='default_language',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Account',
            name='default_sensitive',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Account',
            name='default_visibility',
            field=fields.CharField(default='public', db_default='public', max_length=16),
        ),
    ]
