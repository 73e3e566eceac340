from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_remote_media_state')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Delivery',
            index=Index(fields=['state', 'next_attempt_at']),
        ),
    ]
