from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0023_reports_and_actions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountEndorsement',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='endorsing', on_delete=OnDelete.CASCADE)),
                ('target', fields.ForeignKeyField('models.Account', source_field='target_id', db_constraint=True, to_field='id', related_name='endorsed_by', on_delete=OnDelete.CASCADE)),
                ('follow', fields.ForeignKeyField('models.Follow', source_field='follow_id', db_constraint=True, to_field='id', related_name='endorsements', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'account_endorsements', 'app': 'models', 'unique_together': (('account', 'target'),), 'pk_attr': 'id', 'table_description': '``account`` recommends ``target``, whom it follows, on its profile.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeaturedTag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='featured_tags', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'featured_tags', 'app': 'models', 'unique_together': (('account', 'name'),), 'pk_attr': 'id', 'table_description': "A hashtag shown on the artist's profile, named as she wrote it without ``#`` (one"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SuggestionDismissal',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='dismissed_suggestions', on_delete=OnDelete.CASCADE)),
                ('target', fields.ForeignKeyField('models.Account', source_field='target_id', db_constraint=True, to_field='id', related_name='dismissed_by', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'suggestion_dismissals', 'app': 'models', 'unique_together': (('account', 'target'),), 'pk_attr': 'id', 'table_description': 'An account the artist no longer wants suggested to follow (``DELETE'},
            bases=['Model'],
        ),
    ]
