from __future__ import annotations

import re

from django import forms

from .otp import CODE_DIGITS


class SignInForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        error_messages={
            "required": "Enter your username",
            "max_length": "Username must be 150 characters or fewer",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=4096,
        error_messages={
            "required": "Enter your password",
            "max_length": "Password must be 4096 characters or fewer",
        },
    )


class CodeForm(forms.Form):
    """A one-time code: six digits, typed with or without spaces or a dash."""

    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code, for example 123456",
        max_length=20,
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app",
            "max_length": "The code must be 6 digits, for example 123456",
        },
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", code):
            raise forms.ValidationError("The code must be 6 digits, for example 123456")
        return code
