from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.expressions import Q

BATCH = 500


async def record_existing_addressees(apps, schema_editor) -> None:
    """Rows for the posts stored before this table existed: recipients and Mention tags
    that name a known account (a local one also by its profile URL)."""
    Post = apps.get_model("models", "Post")
    Account = apps.get_model("models", "Account")
    Addressee = apps.get_model("models", "Addressee")
    last_id = 0
    while True:
        posts = await Post.filter(id__gt=last_id).order_by("id").limit(BATCH).values("id", "recipients", "tags")
        if not posts:
            return
        last_id = posts[-1]["id"]
        for post in posts:
            mentions = [tag.get("href") for tag in post["tags"] or []
                        if isinstance(tag, dict) and tag.get("type") == "Mention" and isinstance(tag.get("href"), str)]
            uris = list(dict.fromkeys([*(post["recipients"] or []), *mentions]))
            if not uris:
                continue
            ids = set(await Account.filter(Q(uri__in=uris) | Q(domain="", url__in=uris)).values_list("id", flat=True))
            await Addressee.bulk_create([Addressee(post_id=post["id"], account_id=i) for i in sorted(ids)])


class Migration(migrations.Migration):
    dependencies = [('models', '0005_delivery_claim_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Addressee',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='addressees', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_index=True, db_constraint=True, to_field='id', related_name='addressed_in', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'post_addressees', 'app': 'models', 'unique_together': (('post', 'account'),), 'pk_attr': 'id', 'table_description': 'A known account that a post names directly (``Post.addressee_uris``).'},
            bases=['Model'],
        ),
        ops.RunPython(record_existing_addressees),
    ]
