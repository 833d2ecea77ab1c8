from rest_framework import serializers


class TokenInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="What the token is for"
    )


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as 'Authorization: Bearer <token>'; shown once")
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
