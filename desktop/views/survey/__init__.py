"""The satisfaction survey (IKM) a citizen answers after the handover (issue 14)."""

from desktop.views.survey.dialog import SurveyDialog

__all__ = ["SurveyDialog"]
