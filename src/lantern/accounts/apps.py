from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lantern.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from .signals import forget_session_on_sign_out

        user_logged_out.connect(forget_session_on_sign_out, dispatch_uid="accounts.forget_session")
