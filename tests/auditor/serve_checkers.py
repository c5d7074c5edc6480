"""The checkers the serve/summary/mail tests scan with: the real roster rules (so findings hold
students' names, which emails must not) and the approval rule, and nothing whose tuning elsewhere
would change these tests' counts."""

from auditor.checkers.account_rules import AccountApprovalMissing
from auditor.checkers.student_follow import StudentFollowRoster
from auditor.checkers.student_name import StudentFullName

SERVE_CHECKERS = [StudentFullName, StudentFollowRoster, AccountApprovalMissing]
