from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0029_poll_refresh')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Block',
            index=Index(fields=['target_id']),
        ),
        ops.AddIndex(
            model_name='Favourite',
            index=Index(fields=['post_id']),
        ),
        ops.AddIndex(
            model_name='Follow',
            index=Index(fields=['target_id', 'state']),
        ),
        ops.AddIndex(
            model_name='MediaAttachment',
            index=Index(fields=['post_id']),
        ),
        ops.AddIndex(
            model_name='Mute',
            index=Index(fields=['target_id']),
        ),
        ops.AddIndex(
            model_name='Notification',
            index=Index(fields=['account_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Notification',
            index=Index(fields=['post_id']),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['account_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['in_reply_to_id']),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['boost_of_id']),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['quote_of_id']),
        ),
    ]
