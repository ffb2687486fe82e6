from django.db import migrations, models


def fill_keys(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Products written before the key existed get theirs (later ones: Product.save)."""
    from catalog.pinyin import pinyin_keys

    Product = apps.get_model("catalog", "Product")
    batch = []
    for product in Product.objects.only("pk", "name").iterator(chunk_size=2000):
        product.search_pinyin = pinyin_keys(product.name)
        batch.append(product)
        if len(batch) >= 2000:
            Product.objects.bulk_update(batch, ["search_pinyin"])
            batch = []
    if batch:
        Product.objects.bulk_update(batch, ["search_pinyin"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_pinyin",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                help_text="The name's pinyin and initials, set from the name on save.",
                max_length=1400,
                verbose_name="pinyin search key",
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
